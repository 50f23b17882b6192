// Uses each installed component a little, with no server: the point is that headers, link
// lines and transitive dependencies of the installed package are complete.
#include <ferry/ferry.hpp>

#include <iostream>

int main() {
  const ferry::error e(ferry::errc::timeout, "consumer check");
  if (!e.is_transient()) return 1;
#if __has_include(<ferry/celery/task_request.hpp>)
  ferry::celery::task_request request;
  request.task = "tasks.add";
  request.id = ferry::celery::new_task_id();
  request.args = {2, 3};
  const auto message = ferry::celery::build_message(request);
  if (ferry::celery::parse_message(message).args != request.args) return 1;
#endif
  std::cout << "ferry " << FERRY_VERSION_STRING << ": " << e.what() << "\n";
#if __has_include(<ferry/redis/url.hpp>)
  const auto options = ferry::redis::parse_url("redis://app:s3cret@127.0.0.1:6380/2");
  const auto shown = ferry::redis::to_string(options);
  if (options.db != 2 || shown.find("s3cret") != std::string::npos) return 1;
  std::cout << "redis: " << shown << "\n";
#endif
  return 0;
}
