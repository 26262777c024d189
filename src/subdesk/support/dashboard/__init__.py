"""Staff dashboards: open cases by age and priority, cancellations, refunds, MRR and churn."""
