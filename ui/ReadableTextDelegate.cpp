#include "ReadableTextDelegate.h"

#include "StatusColours.h"

#include <QBrush>

QPair<QColor, QColor> ReadableTextDelegate::textAndBackground(const QModelIndex &index,
                                                              const QStyleOptionViewItem &base) const
{
    QStyleOptionViewItem option = base;
    initStyleOption(&option, index);
    const bool alternate = option.features.testFlag(QStyleOptionViewItem::Alternate);
    QColor background = option.backgroundBrush.style() != Qt::NoBrush
                            ? option.backgroundBrush.color()
                            : option.palette.color(alternate ? QPalette::AlternateBase : QPalette::Base);
    return {option.palette.color(QPalette::Text), background};
}

void ReadableTextDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const QVariant wanted = index.data(Qt::ForegroundRole);
    if (!wanted.isValid())
        return;
    const QColor colour = wanted.metaType() == QMetaType::fromType<QColor>() ? wanted.value<QColor>()
                                                                             : wanted.value<QBrush>().color();
    QList<QColor> backgrounds;
    if (option->backgroundBrush.style() != Qt::NoBrush)
        backgrounds = {option->backgroundBrush.color()};
    else
        backgrounds = StatusColours::backgroundsOf(option->palette, StatusColours::Surface::View);
    option->palette.setColor(QPalette::Text, StatusColours::readableOn(colour, backgrounds));
}
