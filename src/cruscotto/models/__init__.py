"""Predictive models on the company's own data, beside the reports: retention (sBG),
repeat purchases (BG/NBD), close probability of deals, churn risk of accounts.

They use the engine's public surface; web and cli use them.
"""

from cruscotto.models.repeat_purchase import RepeatPurchaseFit, fit_repeat_purchases
from cruscotto.models.retention import RetentionFit, fit_retention

__all__ = ["RepeatPurchaseFit", "RetentionFit", "fit_repeat_purchases", "fit_retention"]
