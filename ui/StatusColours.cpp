#include "StatusColours.h"

#include <QList>

#include <algorithm>
#include <cmath>

namespace {

// The hues the console has always used: green for 2xx, red for failures.
const QColor successHue(0x2e, 0x9e, 0x4f);
const QColor failureHue(0xd0, 0x30, 0x30);

double channel(double value)
{
    return value <= 0.04045 ? value / 12.92 : std::pow((value + 0.055) / 1.055, 2.4);
}

} // namespace

double StatusColours::relativeLuminance(const QColor &colour)
{
    const QColor rgb = colour.toRgb();
    return 0.2126 * channel(rgb.redF()) + 0.7152 * channel(rgb.greenF()) + 0.0722 * channel(rgb.blueF());
}

double StatusColours::contrastRatio(const QColor &a, const QColor &b)
{
    const double la = relativeLuminance(a);
    const double lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QList<QColor> StatusColours::backgroundsOf(const QPalette &palette, Surface surface)
{
    if (surface == Surface::Window)
        return {palette.color(QPalette::Window)};
    return {palette.color(QPalette::Base), palette.color(QPalette::AlternateBase)};
}

QColor StatusColours::readableOn(const QColor &wanted, const QList<QColor> &backgrounds, double minRatio)
{
    auto worst = [&backgrounds](const QColor &c) {
        double ratio = 21;
        for (const QColor &background : backgrounds)
            ratio = std::min(ratio, contrastRatio(c, background));
        return ratio;
    };
    if (backgrounds.isEmpty() || worst(wanted) >= minRatio)
        return wanted;
    double background = 0;
    for (const QColor &b : backgrounds)
        background += relativeLuminance(b) / double(backgrounds.size());
    // Dark backgrounds get a lighter shade, light ones a darker one; same hue and saturation.
    const bool lighten = background < 0.18;
    const QColor hsl = wanted.toHsl();
    float h = 0, s = 0, l = 0, a = 0;
    hsl.getHslF(&h, &s, &l, &a);
    for (int step = 1; step <= 100; ++step) {
        const float lightness =
            lighten ? l + (1.0f - l) * float(step) / 100.0f : l * (1.0f - float(step) / 100.0f);
        const QColor candidate = QColor::fromHslF(h, s, lightness, a).toRgb();
        if (worst(candidate) >= minRatio)
            return candidate;
    }
    return lighten ? QColor(Qt::white) : QColor(Qt::black);
}

QColor StatusColours::success(const QPalette &palette, Surface surface)
{
    return readableOn(successHue, backgroundsOf(palette, surface));
}

QColor StatusColours::failure(const QPalette &palette, Surface surface)
{
    return readableOn(failureHue, backgroundsOf(palette, surface));
}
