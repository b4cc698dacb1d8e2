"""Table definitions, derived from the models: local creation, CloudFormation, IAM policy."""
