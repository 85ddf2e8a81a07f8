"""Trained heads per modality and task."""
