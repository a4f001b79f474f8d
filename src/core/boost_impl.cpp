// The one translation unit that compiles Asio and Beast (separate compilation keeps builds sane).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
