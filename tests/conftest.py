import os

from hypothesis import settings

# Property tests run at least 200 examples each (issue 2); no deadline, the CI machine is noisy.
settings.register_profile("course", max_examples=200, deadline=None)
settings.load_profile("course")
os.environ.setdefault("MPLBACKEND", "Agg")
