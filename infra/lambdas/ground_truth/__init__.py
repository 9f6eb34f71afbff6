"""Ground Truth custom-workflow Lambdas: pre-annotation and annotation consolidation.

Each module is self-contained (standard library and the boto3 of the Lambda runtime), because
the folder is uploaded as the functions' code asset without the rest of the project.
Request/response shapes: SageMaker developer guide, "Using pre-annotation and post-annotation
Lambda functions",
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-custom-templates-step3-lambda-requirements.html
"""
