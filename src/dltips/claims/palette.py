"""The verdicts' colors: one palette for the report's pages and its figures, three shades of
one hue per verdict (green, red, amber)."""

from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED

# behind text: the rows and boxes of the claims and conditions pages
FILL = {REPRODUCED: "#d8f0d8", NOT_REPRODUCED: "#f6d6d6", INCONCLUSIVE: "#f2ecd0"}
# strong: a figure's marks and words, read on white or on WASH
INK = {REPRODUCED: "#1a7f37", NOT_REPRODUCED: "#c62828", INCONCLUSIVE: "#b7950b"}
# paler than FILL: behind a figure's panel, so the marks on it stand out
WASH = {REPRODUCED: "#f3faf3", NOT_REPRODUCED: "#fcf0f0", INCONCLUSIVE: "#fbf8ea"}
