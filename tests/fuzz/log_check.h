/* What every formatted log line promises (base/log_fmt.h), checked by the fuzz targets:
 * a text line has no control byte (its newline comes after); a JSON line is one object
 * ending in "}\n", within its buffer, with no raw control byte, and its strings close
 * (every '"' not escaped toggles a string; none is open at the end). Traps otherwise. */
#ifndef TERN_TESTS_FUZZ_LOG_CHECK_H
#define TERN_TESTS_FUZZ_LOG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline void log_check_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)s[i] < 0x20 || (uint8_t)s[i] == 0x7f)
			__builtin_trap();
}

static inline void log_check_json(const char *s, size_t n, size_t cap)
{
	bool in_str = false;

	if (n > cap || n < 3 || s[0] != '{' || s[n - 1] != '\n' || s[n - 2] != '}')
		__builtin_trap();
	log_check_text(s, n - 1);
	for (size_t i = 0; i + 1 < n; i++) {
		if (in_str && s[i] == '\\')
			i++;
		else if (s[i] == '"')
			in_str = !in_str;
	}
	if (in_str)
		__builtin_trap();
}

#endif
