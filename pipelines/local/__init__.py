"""Run the real pipeline definition on this machine: `fmops local run`."""
