"""Exercises for 00_welcome: attention by hand."""
from . import questions

QUESTIONS = q1, q2, q3 = questions(__name__, "00_welcome", [
    ("attention_shapes", "attention_shapes", "easy", [
        "S = Q Kᵀ pairs every query with every key.",
        "Q is (5, 16) and Kᵀ is (16, 7). The weights have the shape of the scores.",
        "The output is weights @ V: (5, 7) @ (7, 32).",
    ]),
    ("worked_example_weights", "worked_example_weights", "medium", [
        "First compute the three scores q·kᵢ (no scaling in this example).",
        "The scores are 1, 0, 1. Softmax: exponentiate, then divide by the sum.",
        "exp(1) = e and exp(0) = 1 (a score of 0 still counts); "
        "each weight is one exponential over the sum of all three.",
    ]),
    ("worked_example_output", "worked_example_output", "hard", [
        "The output is Σ αᵢ vᵢ with the weights from the previous question.",
        "Component by component: o₁ = 10·α₁ + 0·α₂ + 5·α₃.",
        "Likewise o₂ = 0·α₁ + 10·α₂ + 5·α₃; you can reuse `worked_example_weights()` for the α.",
    ]),
])
