#pragma once

#include "pattern/ast.h"

namespace sluice::pattern {

/// True when the present leaf value `v` satisfies matcher `m`. exists:true accepts every
/// present value, exists:false none (absence is the clause's business, not a value's).
bool accepts(const value_matcher& m, const leaf_value& v);

/// True when some matcher of the clause accepts the present value `v`.
inline bool clause_accepts(const clause& c, const leaf_value& v)
{
    for (const auto& m : c.matchers) {
        if (accepts(m, v)) {
            return true;
        }
    }
    return false;
}

} // namespace sluice::pattern
