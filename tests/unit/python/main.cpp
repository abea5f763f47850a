// The decoders' tests run Python code: one interpreter for the whole run, as the plugin has one
// per process.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <pybind11/embed.h>

int main(int argc, char **argv) {
    pybind11::scoped_interpreter python(false);
    doctest::Context context(argc, argv);
    return context.run();
}
