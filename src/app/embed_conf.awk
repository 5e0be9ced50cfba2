# Turns a text file into a C string constant: cfg_default_text (see src/app/cfg.h).
BEGIN {
	print "/* Generated from etc/ternd.conf at build time; do not edit. */"
	print "#include \"app/cfg.h\""
	print ""
	print "const char cfg_default_text[] ="
}
{
	gsub(/\\/, "\\\\")
	gsub(/"/, "\\\"")
	print "\t\"" $0 "\\n\""
}
END {
	print "\t\"\";"
}
