"""Lambda function code deployed by the stacks (each folder is one asset, stdlib + boto3 only)."""
