"""What ships: dependencies in step, the grader's layers, and the learner's kit holding no answers."""
