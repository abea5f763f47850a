// The decoder named `spec`, as app.python.keyDecoder / valueDecoder would make it; the test
// fails when it cannot be made. With the GIL held.
#pragma once

#include "decoders.h"

#include <doctest/doctest.h>

#include <string>

inline streamsubmit::python::Decoder decoder_of(const std::string &spec) {
    streamsubmit::python::Decoder d;
    std::string error;
    REQUIRE_MESSAGE(streamsubmit::python::Decoder::make(spec, d, error), error);
    return d;
}
