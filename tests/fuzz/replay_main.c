/* Replays a fuzz corpus through LLVMFuzzerTestOneInput without libFuzzer, so the corpus
 * runs under any compiler (e.g. gcc with AddressSanitizer) as part of `make check`.
 * Usage: replay_<target> [dir-or-file...]; with no argument it reads
 * $TERN_SRCDIR/tests/fuzz/corpus/<REPLAY_CORPUS>. Prints one TAP line. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef REPLAY_CORPUS
#define REPLAY_CORPUS "stun"
#endif

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int replay_file(const char *path)
{
	static unsigned char buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* Exact-size heap copy so sanitizers see reads past the end. */
	{
		unsigned char *p = malloc(n ? n : 1);

		if (p == NULL)
			return -1;
		memcpy(p, buf, n);
		LLVMFuzzerTestOneInput(p, n);
		free(p);
	}
	return 0;
}

static int replay_path(const char *path, int *count)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	char child[4096];

	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		if (replay_path(child, count) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	const char *src = getenv("TERN_SRCDIR");
	char dflt[4096];
	int i, count = 0, rc = 0;

	if (argc < 2) {
		snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/%s", src ? src : ".",
			 REPLAY_CORPUS);
		rc = replay_path(dflt, &count);
	}
	for (i = 1; i < argc && rc == 0; i++)
		rc = replay_path(argv[i], &count);
	if (rc != 0 || count == 0)
		printf("not ok 1 - replay %s corpus: unreadable or empty\n", REPLAY_CORPUS);
	else
		printf("ok 1 - replay %s corpus: %d inputs\n", REPLAY_CORPUS, count);
	printf("1..1\n");
	return rc != 0 || count == 0;
}
