#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "ferry/core/error.hpp"
#include "ferry/mail/attachment_store.hpp"
#include "ferry/mail/safe_filename.hpp"

using ferry::mail::safe_filename;

TEST_CASE("safe_filename strips directories, controls, leading dots and reserved names",
          "[mail][filename]") {
  CHECK(safe_filename("../../etc/passwd") == "passwd");
  CHECK(safe_filename("C:\\x\\y.exe") == "y.exe");
  CHECK(safe_filename("\x01"
                      "evil.txt") == "evil.txt");
  CHECK(safe_filename(std::string("a\0b.txt", 7)) == "ab.txt");
  CHECK(safe_filename(".htaccess") == "htaccess");
  CHECK(safe_filename("...") == "attachment");
  CHECK(safe_filename("..") == "attachment");
  CHECK(safe_filename("") == "attachment");
  CHECK(safe_filename("dir/") == "attachment");
  CHECK(safe_filename("CON") == "_CON");
  CHECK(safe_filename("nul.txt") == "_nul.txt");
  CHECK(safe_filename("com1.tar.gz") == "_com1.tar.gz");
  CHECK(safe_filename("console.txt") == "console.txt");
  CHECK(safe_filename("what?<now>|*.txt") == "what__now___.txt");
  CHECK(safe_filename("invoice.pdf. . ") == "invoice.pdf");
  CHECK(safe_filename("photo\xE2\x80\xAEgpj.exe") == "photogpj.exe");  // RLO removed
  CHECK(safe_filename("r\xC3\xA9sum\xC3\xA9.pdf") == "r\xC3\xA9sum\xC3\xA9.pdf");
  CHECK(safe_filename("bad\xFFutf8.txt") == "bad\xEF\xBF\xBDutf8.txt");
}

TEST_CASE("safe_filename shortens long names and keeps the extension", "[mail][filename]") {
  const std::string long_name = std::string(1000, 'a') + ".pdf";
  const std::string s = safe_filename(long_name);
  CHECK(s.size() == 200);
  CHECK(s.substr(s.size() - 4) == ".pdf");
  // Multibyte characters are never split.
  std::string umlauts;
  for (int i = 0; i < 300; ++i) umlauts += "\xC3\xBC";
  const std::string u = safe_filename(umlauts + ".txt", 101);
  CHECK(u.size() <= 101);
  CHECK(u.substr(u.size() - 4) == ".txt");
  CHECK((u.size() - 4) % 2 == 0);
  // An over-long "extension" is not treated as one.
  const std::string no_ext = safe_filename("x." + std::string(500, 'b'), 50);
  CHECK(no_ext.size() == 50);
}

namespace {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path =
        std::filesystem::temp_directory_path() / ("ferry-mail-store-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("sha256_hex matches the known digest", "[mail][store]") {
  CHECK(ferry::mail::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ferry::mail::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("attachment_store stores by content address, once", "[mail][store]") {
  temp_dir dir;
  const ferry::mail::attachment_store store(dir.path);
  const std::string bytes("binary\0data", 11);
  const auto a = store.store(bytes);
  CHECK(a.created);
  CHECK(a.sha256 == ferry::mail::sha256_hex(bytes));
  CHECK(a.path == dir.path / a.sha256.substr(0, 2) / a.sha256.substr(2, 2) / a.sha256);
  CHECK(read_file(a.path) == bytes);

  const auto b = store.store(bytes);
  CHECK_FALSE(b.created);
  CHECK(b.path == a.path);
  CHECK(store.find(a.sha256) == a.path);
  CHECK_FALSE(store.find(ferry::mail::sha256_hex("other")));
  CHECK_THROWS_AS(store.path_for("../../etc/passwd"), std::invalid_argument);

  // No temporary files are left behind.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path)) {
    if (e.is_regular_file()) {
      ++files;
      CHECK(e.path().filename().string().rfind(".tmp-", 0) != 0);
    }
  }
  CHECK(files == 1);
}

TEST_CASE("attachment_store is safe under concurrent stores of the same bytes", "[mail][store]") {
  temp_dir dir;
  const ferry::mail::attachment_store store(dir.path);
  const std::string bytes(256 * 1024, 'x');
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { (void)store.store(bytes); });
  for (auto& t : threads) t.join();
  const auto path = store.find(ferry::mail::sha256_hex(bytes));
  REQUIRE(path);
  CHECK(read_file(*path) == bytes);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path)) {
    if (e.is_regular_file()) ++files;
  }
  CHECK(files == 1);
}

TEST_CASE("attachment_store reports I/O failures as io_error", "[mail][store]") {
  temp_dir dir;
  std::filesystem::create_directories(dir.path);
  std::ofstream(dir.path / "file") << "x";
  const ferry::mail::attachment_store store(dir.path / "file" / "sub");
  CHECK_THROWS_AS(store.store("bytes"), ferry::error);
  CHECK_THROWS_AS(ferry::mail::attachment_store(""), std::invalid_argument);
}
