// Boost.JSON and Boost.URL compiled into the fuzz build (header-only mode), so the parsers the
// harnesses reach through them are instrumented like our own code.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
