#pragma once

#include "RegistryEvent.h"

// The synthetic tag push that "Send test event" delivers: shaped like a registry's own event, with a fresh id
// so it is never taken for a resend.
class TestEvent
{
public:
    static RegistryEvent create();
};
