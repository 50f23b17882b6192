// Private: Python's repr() of a float.
#pragma once

#include <string>

namespace ferry::celery::protocol::detail {

/// `repr(x)` for a finite double (shortest round-trip digits, Python's exponent rules).
/// Non-finite values give "nan", "inf", "-inf".
std::string python_float_repr(double x);

}  // namespace ferry::celery::protocol::detail
