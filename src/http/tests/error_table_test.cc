#include "broker/errc.h"
#include "functions/errc.h"
#include "http/error_table.h"
#include "storage/errc.h"

#include <gtest/gtest.h>

#include <set>

using namespace sluice;

TEST(ErrorTable, EveryErrcIsMapped) {
    for (int v = 1; v <= int(broker::errc::fifo_immutable); ++v) {
        auto e = http::to_api_error(broker::make_error_code(broker::errc(v)));
        EXPECT_NE(e.code, "InternalError") << v;
    }
    for (int v = 1; v <= int(functions::errc::response_too_large); ++v) {
        auto e = http::to_api_error(functions::make_error_code(functions::errc(v)));
        EXPECT_NE(e.code, "InternalError") << v;
    }
    for (int v = 1; v <= int(storage::errc::closed); ++v) {
        auto e = http::to_api_error(storage::make_error_code(storage::errc(v)));
        EXPECT_EQ(e.status, 503u) << v;
    }
}

TEST(ErrorTable, RowsAreUniqueAndCodesWellFormed) {
    std::set<std::pair<std::string_view, int>> keys;
    for (auto& row : http::error_table()) {
        EXPECT_TRUE(keys.insert({row.category, row.value}).second);
        EXPECT_FALSE(row.code.empty());
        EXPECT_TRUE(std::isupper(static_cast<unsigned char>(row.code[0])));
        EXPECT_GE(row.status, 400u);
    }
}

TEST(ErrorTable, UnknownErrorsAreInternal) {
    auto e = http::to_api_error(make_error_code(boost::system::errc::bad_address));
    EXPECT_EQ(e.status, 500u);
    EXPECT_EQ(e.code, "InternalError");
}
