"""Exercises for 02_softmax_temperature."""
from . import questions

QUESTIONS = q1, q2, q3 = questions(__name__, "02_softmax_temperature", [
    ("softmax", "softmax", "easy", [
        "Exponentiate, then divide by the sum, along `axis` only.",
        "Subtract the maximum along `axis` first, so `np.exp` never overflows; it does not change the result.",
        "Use `keepdims=True` in both `np.max` and `np.sum`, so a (3, 5) input gives (3, 1) and broadcasts by row.",
    ]),
    ("softmax_temperature", "softmax_temperature", "medium", [
        "Temperature rescales the scores before the softmax.",
        "A small τ should make the weights sharper: which operation on the scores does that?",
        "`softmax(x / temperature, axis=-1)`.",
    ]),
    ("temperature_for_target", "temperature_for_target", "hard", [
        "The top weight of softmax([2, 1, 0] / τ) falls steadily as τ grows: search for the τ where it equals 0.9.",
        "Bisection: keep an interval [lo, hi] with the weight above 0.9 at lo and below at hi, and halve it.",
        "About 60 halvings of [0.01, 100] give τ to many digits.",
    ]),
])
