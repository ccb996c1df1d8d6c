"""The staff's case pages: the list and one case (``pages``), the assessment (``assessment``) and
the safety plan with its reviews, closing and reopening (``plan``)."""
