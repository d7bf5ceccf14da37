"""Alerts: what on-call staff read (SMS, e-mail, chat) and the SNS adapter that delivers it."""
