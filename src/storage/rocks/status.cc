#include "storage/rocks/status.h"

#include "storage/errc.h"

#include <algorithm>
#include <cctype>

namespace sluice::storage::rocks {
namespace {

bool contains_nocase(std::string_view text, std::string_view needle) {
    auto it = std::search(
        text.begin(), text.end(), needle.begin(), needle.end(),
        [](char a, char b) { return std::tolower(uint8_t(a)) == std::tolower(uint8_t(b)); });
    return it != text.end();
}

} // namespace

error_code to_error_code(const rocksdb::Status& s) {
    if (s.ok()) {
        return {};
    }
    // NoSpace is a subcode of IOError: test it first.
    if (s.IsNoSpace()) {
        return make_error_code(errc::no_space);
    }
    if (s.IsIOError()) {
        return make_error_code(errc::io_error);
    }
    if (s.IsCorruption()) {
        return make_error_code(errc::corruption);
    }
    if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) {
        return make_error_code(errc::busy);
    }
    if (s.IsShutdownInProgress()) {
        return make_error_code(errc::closed);
    }
    return make_error_code(errc::io_error);
}

std::string describe_open_error(const std::string& path, const rocksdb::Status& s) {
    const std::string detail = s.ToString();
    if (s.IsIOError() && contains_nocase(detail, "lock")) {
        return "data dir " + path
               + " is in use by another sluice (its LOCK file is held): stop the other sluice "
                 "process, or give this one a different data dir (" + detail + ")";
    }
    if (contains_nocase(detail, "permission denied")) {
        return "cannot open data dir " + path
               + ": permission denied; make it readable and writable by the user running sluice, "
                 "or choose another data dir (" + detail + ")";
    }
    if (s.IsNoSpace()) {
        return "cannot open data dir " + path + ": the disk is full; free some space (" + detail
               + ")";
    }
    if (s.IsCorruption()) {
        return "data in " + path
               + " is corrupted and cannot be opened; restore it from a backup or move it aside "
                 "to start empty (" + detail + ")";
    }
    return "cannot open data dir " + path + ": " + detail;
}

} // namespace sluice::storage::rocks
