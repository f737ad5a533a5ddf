#pragma once

#include <QPalette>

// A dark palette like the desktops' dark themes, for the dark-mode screenshots
// (TIDINGS_SCREENSHOT_PALETTE=dark) and the tests that check the console stays readable on one. The console
// itself follows whatever palette the desktop gives it.
class DarkPalette
{
public:
    static QPalette create();
};
