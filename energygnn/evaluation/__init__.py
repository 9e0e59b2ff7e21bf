"""How a trained node classifier holds up: edge attacks, out-of-distribution detection and
temperature scaling (paper 2's unmeasured claims)."""
