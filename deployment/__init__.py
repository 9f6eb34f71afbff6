"""The neutral home every package imports: Settings and the deployment contract.

infra/ (CDK), pipelines/ (definition builder, CLI) and training_scripts/ may all import it; it
imports none of them, so imports run one way.
"""
