// Arrays from the host carry their stride (the element size as the host was built). Each
// entry point checks an array once; the code behind it then reads it with ss_at/ss_const_at.
#pragma once

#include "errors.h"

#include <streamsubmit/plugin.h>

#include <string>

namespace streamsubmit::kafka {

// SS_OK when `count` elements of T can be read from `array` at `stride`. A stride below this
// build's sizeof(T) would cut fields that every 2.x writer has, so it is refused, not guessed at.
template <class T>
ss_status check_array(const void *array, size_t count, size_t stride, const char *what, ss_error *err) {
    if (count == 0)
        return SS_OK;
    if (!array)
        return set_error(err, SS_ERR_INTERNAL,
                         std::string("kafka: ") + what + ": NULL array of " + std::to_string(count) + " elements");
    if (stride < sizeof(T))
        return set_error(err, SS_ERR_INTERNAL,
                         std::string("kafka: ") + what + ": stride " + std::to_string(stride) +
                             " is smaller than an element (" + std::to_string(sizeof(T)) + " bytes)");
    return SS_OK;
}

} // namespace streamsubmit::kafka
