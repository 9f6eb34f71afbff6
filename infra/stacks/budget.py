"""Optional monthly AWS Budgets budget for a stage, e-mailed to the stage's alarm address.

Budgets are per account: with stages in their own accounts (the delivery pipeline's layout) the
account's spend is the stage's spend, so no cost filter is applied (a tag filter would see
nothing until the `stage` tag is activated as a cost allocation tag in the billing console).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from constructs import Construct

from deployment.settings import CostSettings


class BudgetStack(cdk.Stack):
    """`<name>-monthly`: ACTUAL spend above `budget_alert_percent`, FORECASTED above 100 %."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        cost: CostSettings,
        alarm_email: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        assert cost.monthly_budget_usd is not None and alarm_email  # Settings checks
        subscriber = budgets.CfnBudget.SubscriberProperty(
            subscription_type="EMAIL", address=alarm_email
        )

        def notify(
            kind: str, percent: float
        ) -> budgets.CfnBudget.NotificationWithSubscribersProperty:
            return budgets.CfnBudget.NotificationWithSubscribersProperty(
                notification=budgets.CfnBudget.NotificationProperty(
                    notification_type=kind,
                    comparison_operator="GREATER_THAN",
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                ),
                subscribers=[subscriber],
            )

        self.budget = budgets.CfnBudget(
            self,
            "MonthlyBudget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=f"{name}-monthly",
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(
                    amount=cost.monthly_budget_usd, unit="USD"
                ),
            ),
            notifications_with_subscribers=[
                notify("ACTUAL", cost.budget_alert_percent),
                notify("FORECASTED", 100.0),
            ],
        )
