#include "functions/code_store.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace sluice::functions {
namespace fs = std::filesystem;

std::optional<std::string> safe_entry_path(std::string_view name) {
    if (name.empty() || name[0] == '/' || name.find('\0') != std::string_view::npos
        || name.find('\\') != std::string_view::npos) {
        return std::nullopt;
    }
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i <= name.size()) {
        size_t j = name.find('/', i);
        if (j == std::string_view::npos) {
            j = name.size();
        }
        auto part = name.substr(i, j - i);
        if (part == "..") {
            return std::nullopt;
        }
        if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = j + 1;
    }
    if (parts.empty()) {
        return std::string(); // the root itself ("./")
    }
    std::string out;
    for (auto p : parts) {
        if (!out.empty()) {
            out += '/';
        }
        out += p;
    }
    return out;
}

bool symlink_stays_inside(std::string_view link, std::string_view target) {
    if (target.empty() || target[0] == '/') {
        return false;
    }
    // Depth of the link's directory, then walk the target's components.
    int depth = 0;
    for (char c : link) {
        depth += c == '/';
    }
    size_t i = 0;
    while (i <= target.size()) {
        size_t j = target.find('/', i);
        if (j == std::string_view::npos) {
            j = target.size();
        }
        auto part = target.substr(i, j - i);
        if (part == "..") {
            if (--depth < 0) {
                return false;
            }
        } else if (!part.empty() && part != ".") {
            ++depth;
        }
        i = j + 1;
    }
    return true;
}

namespace {

struct archive_deleter {
    void operator()(struct archive* a) const { archive_read_free(a); }
};

code_error invalid(std::string m) { return {false, std::move(m)}; }
code_error too_large(std::string m) { return {true, std::move(m)}; }

std::optional<code_error> write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return invalid(fmt::format("cannot write code: {}", strerror(errno)));
        }
        p += w;
        n -= size_t(w);
    }
    return std::nullopt;
}

std::optional<code_error> extract_into(
    std::string_view bytes, const fs::path& dest, const code_limits& limits) {
    std::unique_ptr<struct archive, archive_deleter> a(archive_read_new());
    archive_read_support_format_zip(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_filter_xz(a.get());
    if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
        return invalid(fmt::format(
            "the code archive is corrupt or not a .zip/.tar.gz/.tar: {}", archive_error_string(a.get())
                ? archive_error_string(a.get()) : "unknown format"));
    }
    uint64_t total = 0;
    size_t entries = 0;
    struct archive_entry* e = nullptr;
    std::vector<char> buf(64 * 1024);
    while (true) {
        int rc = archive_read_next_header(a.get(), &e);
        if (rc == ARCHIVE_EOF) {
            break;
        }
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            return invalid(fmt::format(
                "the code archive is corrupt: {}",
                archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error"));
        }
        if (++entries > limits.max_entries) {
            return too_large(fmt::format("the code archive has more than {} entries", limits.max_entries));
        }
        const char* raw = archive_entry_pathname(e);
        std::string name = raw ? raw : "";
        auto rel = safe_entry_path(name);
        if (!rel) {
            return invalid(fmt::format(
                "the code archive has an entry '{}' outside its directory (absolute or ..)",
                name.substr(0, 200)));
        }
        if (archive_entry_hardlink(e) != nullptr) {
            return invalid(fmt::format("the code archive has a hard link '{}': not allowed", name.substr(0, 200)));
        }
        if (rel->empty()) {
            continue;
        }
        fs::path out = dest / *rel;
        auto type = archive_entry_filetype(e);
        std::error_code ec;
        fs::create_directories(out.parent_path(), ec);
        // A parent that is a symlink would let a later entry write outside the tree.
        for (fs::path p = out.parent_path(); p != dest && p.has_relative_path(); p = p.parent_path()) {
            if (fs::is_symlink(fs::symlink_status(p))) {
                return invalid(fmt::format("the code archive writes '{}' through a symlink", name.substr(0, 200)));
            }
        }
        if (type == AE_IFDIR) {
            fs::create_directories(out, ec);
            if (ec) {
                return invalid(fmt::format("cannot create '{}': {}", *rel, ec.message()));
            }
            continue;
        }
        if (type == AE_IFLNK) {
            const char* t = archive_entry_symlink(e);
            std::string target = t ? t : "";
            if (!symlink_stays_inside(*rel, target)) {
                return invalid(fmt::format(
                    "the code archive has a symlink '{}' -> '{}' pointing outside its directory",
                    name.substr(0, 200), target.substr(0, 200)));
            }
            fs::create_symlink(target, out, ec);
            if (ec) {
                return invalid(fmt::format("cannot create symlink '{}': {}", *rel, ec.message()));
            }
            continue;
        }
        if (type != AE_IFREG) {
            return invalid(fmt::format("the code archive has '{}', which is not a file, directory or symlink", name.substr(0, 200)));
        }
        if (fs::exists(fs::symlink_status(out))) {
            fs::remove(out, ec);
        }
        mode_t mode = (archive_entry_perm(e) & 0111) ? 0755 : 0644;
        int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0) {
            return invalid(fmt::format("cannot create '{}': {}", *rel, strerror(errno)));
        }
        std::optional<code_error> err;
        while (!err) {
            la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
            if (n == 0) {
                break;
            }
            if (n < 0) {
                err = invalid(fmt::format(
                    "the code archive is corrupt at '{}': {}", name.substr(0, 200),
                    archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error"));
                break;
            }
            total += uint64_t(n);
            if (total > limits.max_unpacked.bytes) {
                err = too_large(fmt::format(
                    "the code is larger than {} bytes once unpacked", limits.max_unpacked.bytes));
                break;
            }
            err = write_all(fd, buf.data(), size_t(n));
        }
        ::fchmod(fd, mode);
        ::close(fd);
        if (err) {
            return err;
        }
    }
    return std::nullopt;
}

void hash_update(EVP_MD_CTX* ctx, std::string_view s) {
    EVP_DigestUpdate(ctx, s.data(), s.size());
    EVP_DigestUpdate(ctx, "\0", 1);
}

fs::path temp_dir(const fs::path& parent) {
    static std::atomic<uint64_t> counter{0};
    return parent / fmt::format(".tmp-{}-{}", ::getpid(), counter.fetch_add(1));
}

} // namespace

std::optional<code_error>
extract_archive(std::string_view archive, const fs::path& dest, const code_limits& limits) {
    if (archive.size() > limits.max_archive.bytes) {
        return too_large(fmt::format(
            "the code archive is {} bytes, over the limit of {}", archive.size(), limits.max_archive.bytes));
    }
    if (archive.empty()) {
        return invalid("the code archive is empty");
    }
    std::error_code ec;
    fs::create_directories(dest, ec);
    if (ec) {
        return invalid(fmt::format("cannot create {}: {}", dest.string(), ec.message()));
    }
    auto err = extract_into(archive, dest, limits);
    if (err) {
        fs::remove_all(dest, ec);
    }
    return err;
}

std::optional<code_error>
copy_code_dir(const fs::path& src, const fs::path& dest, const code_limits& limits) {
    std::error_code ec;
    if (!fs::is_directory(src, ec)) {
        return invalid(fmt::format("code_dir '{}' is not a directory on the server", src.string()));
    }
    fs::create_directories(dest, ec);
    uint64_t total = 0;
    size_t entries = 0;
    auto fail = [&](code_error e) {
        fs::remove_all(dest, ec);
        return e;
    };
    for (auto it = fs::recursive_directory_iterator(src, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (++entries > limits.max_entries) {
            return fail(too_large(fmt::format("the code has more than {} files", limits.max_entries)));
        }
        auto rel = fs::relative(it->path(), src, ec).generic_string();
        fs::path out = dest / rel;
        auto st = it->symlink_status();
        if (fs::is_symlink(st)) {
            auto target = fs::read_symlink(it->path(), ec).string();
            if (!symlink_stays_inside(rel, target)) {
                return fail(invalid(fmt::format("'{}' is a symlink pointing outside the code directory", rel)));
            }
            fs::create_symlink(target, out, ec);
        } else if (fs::is_directory(st)) {
            fs::create_directories(out, ec);
        } else if (fs::is_regular_file(st)) {
            total += fs::file_size(it->path(), ec);
            if (total > limits.max_unpacked.bytes) {
                return fail(too_large(fmt::format("the code is larger than {} bytes", limits.max_unpacked.bytes)));
            }
            fs::copy_file(it->path(), out, ec);
            bool exec = (st.permissions() & fs::perms::owner_exec) != fs::perms::none;
            fs::permissions(out, exec ? fs::perms(0755) : fs::perms(0644), ec);
        }
        if (ec) {
            return fail(invalid(fmt::format("cannot copy '{}': {}", rel, ec.message())));
        }
    }
    if (ec) {
        return fail(invalid(fmt::format("cannot read code_dir '{}': {}", src.string(), ec.message())));
    }
    return std::nullopt;
}

std::string hash_tree(const fs::path& root) {
    std::vector<std::string> paths;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        paths.push_back(fs::relative(it->path(), root, ec).generic_string());
    }
    std::sort(paths.begin(), paths.end());
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    std::vector<char> buf(64 * 1024);
    for (auto& p : paths) {
        auto full = root / p;
        auto st = fs::symlink_status(full, ec);
        if (fs::is_symlink(st)) {
            hash_update(ctx, "L");
            hash_update(ctx, p);
            hash_update(ctx, fs::read_symlink(full, ec).string());
        } else if (fs::is_directory(st)) {
            hash_update(ctx, "D");
            hash_update(ctx, p);
        } else {
            bool exec = (st.permissions() & fs::perms::owner_exec) != fs::perms::none;
            hash_update(ctx, exec ? "X" : "F");
            hash_update(ctx, p);
            std::ifstream in(full, std::ios::binary);
            while (in) {
                in.read(buf.data(), std::streamsize(buf.size()));
                EVP_DigestUpdate(ctx, buf.data(), size_t(in.gcount()));
            }
            EVP_DigestUpdate(ctx, "\0", 1);
        }
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    std::string hex;
    for (unsigned i = 0; i < len; ++i) {
        hex += fmt::format("{:02x}", md[i]);
    }
    return hex;
}

fs::path code_path(const fs::path& functions_dir, std::string_view name, std::string_view sha256) {
    return functions_dir / std::string(name) / "code" / std::string(sha256);
}

std::variant<std::string, code_error> store_code(
    const fs::path& functions_dir, const std::string& name, const code_source& source,
    const code_limits& limits) {
    auto parent = functions_dir / name / "code";
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) {
        return code_error{false, fmt::format("cannot create {}: {}", parent.string(), ec.message())};
    }
    auto tmp = temp_dir(parent);
    std::optional<code_error> err;
    if (!source.dir.empty()) {
        err = copy_code_dir(source.dir, tmp, limits);
    } else {
        err = extract_archive(source.archive, tmp, limits);
    }
    if (err) {
        return *err;
    }
    ::chmod(tmp.c_str(), 0755);
    auto sha = hash_tree(tmp);
    auto final_dir = parent / sha;
    if (fs::exists(final_dir, ec)) {
        fs::remove_all(tmp, ec);
        return sha;
    }
    fs::rename(tmp, final_dir, ec);
    if (ec) {
        fs::remove_all(tmp, ec);
        return code_error{false, fmt::format("cannot store code: {}", ec.message())};
    }
    return sha;
}

} // namespace sluice::functions
