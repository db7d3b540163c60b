"""Training: the synthetic-world objective (supervised, the bundled model) and CNeRF's stage-1
adversarial objective (real image + mask folders), sharing one loop (trainer.py)."""
