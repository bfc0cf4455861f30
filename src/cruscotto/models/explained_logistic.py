"""A calibrated logistic regression whose every prediction splits into per-feature terms.

Numbers are standardised and categories one-hot encoded (rarer than MIN_CATEGORY pooled);
the regression is calibrated with Platt's sigmoid on cross-validated predictions
(CalibratedClassifierCV, ensemble=False: one regression, one calibration map), so the
calibrated log-odds are  −(A · (b + Σ_j w_j x_j) + B)  and each feature's share of them,
relative to the average training row, is  −A · Σ_{columns of the feature} w · (x − x̄).
Both the close-probability and the churn-risk model use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MIN_CATEGORY = 10


@dataclass
class ExplainedLogistic:
    numeric: list[str]
    categorical: list[str]
    estimator: CalibratedClassifierCV | None = None
    means: np.ndarray | None = field(default=None, repr=False)

    def fit(self, rows: pd.DataFrame, outcome: pd.Series) -> ExplainedLogistic:
        encode = ColumnTransformer(
            [
                ("numbers", StandardScaler(), self.numeric),
                (
                    "categories",
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist",
                        min_frequency=MIN_CATEGORY,
                        sparse_output=False,
                    ),
                    self.categorical,
                ),
            ]
        )
        pipeline = Pipeline(
            [("encode", encode), ("fit", LogisticRegression(C=0.5, solver="liblinear"))]
        )
        self.estimator = CalibratedClassifierCV(pipeline, method="sigmoid", cv=3, ensemble=False)
        self.estimator.fit(rows, outcome)
        self.means = self._encoded(rows).mean(axis=0)
        return self

    def logit(self, rows: pd.DataFrame) -> np.ndarray:
        """Calibrated log-odds of each row."""
        a, b = self._calibration()
        return -(a * self._pipeline.decision_function(rows) + b)

    def terms(self, rows: pd.DataFrame) -> dict[str, np.ndarray]:
        """Each feature's share of the calibrated log-odds, against the average row."""
        a, _ = self._calibration()
        centred = self._encoded(rows) - self.means
        weights = self._pipeline.named_steps["fit"].coef_[0]
        names = self._pipeline.named_steps["encode"].get_feature_names_out()
        terms = {}
        for feature in [*self.numeric, *self.categorical]:
            prefix = ("numbers__" if feature in self.numeric else "categories__") + feature
            columns = [i for i, n in enumerate(names) if n == prefix or n.startswith(prefix + "_")]
            terms[feature] = -a * (centred[:, columns] @ weights[columns])
        return terms

    @property
    def _pipeline(self) -> Pipeline:
        return self.estimator.calibrated_classifiers_[0].estimator

    def _calibration(self) -> tuple[float, float]:
        calibrator = self.estimator.calibrated_classifiers_[0].calibrators[0]
        return float(calibrator.a_), float(calibrator.b_)

    def _encoded(self, rows: pd.DataFrame) -> np.ndarray:
        encoded = self._pipeline.named_steps["encode"].transform(rows)
        return encoded.toarray() if hasattr(encoded, "toarray") else np.asarray(encoded)


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def effects(probability: np.ndarray, terms: dict[str, np.ndarray], index) -> pd.DataFrame:
    """Per row and feature: the change in probability if the feature were at its average."""
    log_odds = logit(probability)
    return pd.DataFrame(
        {f: probability - sigmoid(log_odds - t) for f, t in terms.items()}, index=index
    )
