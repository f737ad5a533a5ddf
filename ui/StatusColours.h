#pragma once

#include <QColor>
#include <QList>
#include <QPalette>

// Colours that carry a meaning (success, failure) for text and lines, made readable on the palette in use,
// light or dark: the hue stays, the lightness moves away from the background until the contrast ratio
// (WCAG 2) reaches 4.5:1 against both of the views' backgrounds (Base and AlternateBase) or the window's.
class StatusColours
{
public:
    enum class Surface
    {
        View,  // table and list cells: Base and AlternateBase
        Window // labels on the window background
    };

    static QColor success(const QPalette &palette, Surface surface = Surface::View);
    static QColor failure(const QPalette &palette, Surface surface = Surface::View);
    // `wanted` with its lightness changed just enough to reach `minRatio` against every given background.
    static QColor readableOn(const QColor &wanted, const QList<QColor> &backgrounds, double minRatio = 4.5);
    static QList<QColor> backgroundsOf(const QPalette &palette, Surface surface);
    // WCAG 2 contrast ratio, 1 to 21.
    static double contrastRatio(const QColor &a, const QColor &b);
    static double relativeLuminance(const QColor &colour);
};
