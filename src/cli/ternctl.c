/* ternctl: Tern's admin and credential tool. One row per subcommand in cmds[].
 * Exit status: 0 done, 1 refused or not found, 2 usage error (one line on stderr). */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "auth/key.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;       /* synopsis after the name */
	const char *summary;
};

static int cmd_key(int argc, char **argv);

static const struct cmd cmds[] = {
	{"key", cmd_key, "-u USER -r REALM -p PASSWORD [--sha256]",
	 "print the long-term credential key (hex) of a user"},
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static int usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "ternctl%s%s: %s (try 'ternctl%s%s --help')\n", cmd ? " " : "",
		cmd ? cmd : "", msg, cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

static void print_usage(FILE *f)
{
	fprintf(f, "Usage: ternctl COMMAND [OPTION...]\n"
		   "       ternctl COMMAND --help\n"
		   "Tern credential and admin tool.\n\nCommands:\n");
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-6s %s\n         %s\n", cmds[i].name, cmds[i].args, cmds[i].summary);
	fprintf(f, "\nExit status: 0 ok, 1 refused or not found, 2 usage error.\n");
}

static void key_help(void)
{
	printf("Usage: ternctl key -u USER -r REALM -p PASSWORD [--sha256]\n"
	       "Prints the long-term credential key: lower-case hex of\n"
	       "MD5(USER \":\" REALM \":\" PASSWORD) (RFC 8489 section 9.2.2), or SHA-256 of\n"
	       "the same string with --sha256. The MD5 form is the value stored under\n"
	       "turn/realm/REALM/user/USER/key.\n\n"
	       "  -u, --user=USER\n  -r, --realm=REALM\n  -p, --password=PASSWORD\n"
	       "      --sha256      SHA-256 key (PASSWORD-ALGORITHM 0x0002)\n"
	       "  -h, --help\n");
}

struct key_args {
	const char *user, *realm, *pass;
	bool sha256, help;
};

static int key_parse(int argc, char **argv, struct key_args *a)
{
	static const struct option longs[] = {
		{"user", required_argument, NULL, 'u'},
		{"realm", required_argument, NULL, 'r'},
		{"password", required_argument, NULL, 'p'},
		{"sha256", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char msg[128];
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:r:p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'u': a->user = optarg; break;
		case 'r': a->realm = optarg; break;
		case 'p': a->pass = optarg; break;
		case 'S': a->sha256 = true; break;
		case 'h': a->help = true; break;
		case ':':
			snprintf(msg, sizeof(msg), "option %s needs a value", argv[optind - 1]);
			return usage_error("key", msg);
		default:
			snprintf(msg, sizeof(msg), "unknown option %s", argv[optind - 1]);
			return usage_error("key", msg);
		}
	}
	if (optind < argc) {
		snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[optind]);
		return usage_error("key", msg);
	}
	return 0;
}

static int cmd_key(int argc, char **argv)
{
	struct key_args a = {0};
	uint8_t key[AUTH_KEY_MAX];
	char hex[2 * AUTH_KEY_MAX + 1];
	int n, rc = key_parse(argc, argv, &a);

	if (rc)
		return rc;
	if (a.help) {
		key_help();
		return 0;
	}
	if (!a.user || !a.realm || !a.pass)
		return usage_error("key", "-u USER, -r REALM and -p PASSWORD are required");
	n = auth_key_derive(a.sha256 ? AUTH_KEY_SHA256 : AUTH_KEY_MD5, a.user, strlen(a.user),
			    a.realm, strlen(a.realm), a.pass, strlen(a.pass), key);
	if (n < 0) {
		fprintf(stderr, "ternctl key: key derivation failed: %s\n", strerror(-n));
		return EXIT_REFUSED;
	}
	auth_hex(key, (size_t)n, hex);
	printf("%s\n", hex);
	return 0;
}

int main(int argc, char **argv)
{
	char msg[128];

	if (argc < 2)
		return usage_error(NULL, "missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ternctl %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < N_CMDS; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	snprintf(msg, sizeof(msg), "unknown command \"%s\"", argv[1]);
	return usage_error(NULL, msg);
}
