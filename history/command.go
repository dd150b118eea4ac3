package history

import "strings"

// Command is the instruction a history row's created_by records, as a reader wants it:
// the legacy builder's "/bin/sh -c #(nop) CMD […]" is "CMD […]" and its
// "/bin/sh -c apt-get …" is "RUN apt-get …", with build arguments ("|2 A=x B=y /bin/sh -c
// …") dropped; BuildKit's "RUN /bin/sh -c … # buildkit" is "RUN …"; runs of white space
// (newlines, tabs) are one space. Anything else (podman's, kaniko's, "Imported from -") is
// kept, its white space collapsed. The row's created_by itself is what JSON and --no-trunc
// show; Command is for tables, the explorer and messages.
func Command(createdBy string) string {
	s := strings.Join(strings.Fields(createdBy), " ")
	s = strings.TrimSuffix(s, " # buildkit")
	if strings.HasPrefix(s, "|") { // the legacy builder's "|2 A=x B=y /bin/sh -c …" (build args)
		if _, cmd, ok := strings.Cut(s, " /bin/sh -c "); ok {
			s = "/bin/sh -c " + cmd
		}
	}
	switch {
	case strings.HasPrefix(s, "/bin/sh -c #(nop) "):
		s = strings.TrimPrefix(s, "/bin/sh -c #(nop) ")
	case strings.HasPrefix(s, "/bin/sh -c "):
		s = "RUN " + strings.TrimPrefix(s, "/bin/sh -c ")
	case strings.HasPrefix(s, "RUN /bin/sh -c "):
		s = "RUN " + strings.TrimPrefix(s, "RUN /bin/sh -c ")
	}
	return s
}
