"""Journeys that operators design (DESIGN §9): documents, the engine that runs them, their figures."""
