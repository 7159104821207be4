"""A local receiver of the notifier's signed webhooks, verifying them as an agency would."""
