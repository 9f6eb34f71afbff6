"""Settings and the deployment contract: the home infra/ and pipelines/ read the stage from.

Imports run infra -> pipelines -> deployment -> training_scripts (tests/architecture/
test_import_graph.py). deployment/ reads training_scripts/' dependency-free schemas (the method
table, train.py's hyperparameters, evaluate.py's defaults) so that settings validate against the
same definitions the jobs use; training_scripts/ never imports deployment/ (the training image
ships training_scripts/ alone).
"""
