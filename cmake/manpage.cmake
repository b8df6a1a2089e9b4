# Writes mbus-sim.1 from the help texts of the built binary, so that the man page says what --help
# says and cannot drift from it. Run as: cmake -DSIM=path/to/mbus-sim -DOUT=mbus-sim.1
# -DVERSION=x.y.z -P manpage.cmake
if(NOT SIM OR NOT OUT)
    message(FATAL_ERROR "manpage.cmake: give -DSIM=<mbus-sim> and -DOUT=<file>")
endif()

# troff: a backslash is \e; a line that starts with a dot or an apostrophe would be a request.
function(troff_escape text out)
    string(REPLACE "\\" "\\e" text "${text}")
    string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(help_of args out)
    execute_process(COMMAND ${SIM} ${args} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "manpage.cmake: ${SIM} ${args} --help failed (${rc})")
    endif()
    # The usage line names the binary by the path it was started with.
    string(REPLACE "${SIM}" "mbus-sim" text "${text}")
    troff_escape("${text}" text)
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

help_of("" top)
# The subcommands are the words indented under "Subcommands:" in the top-level help.
string(REGEX MATCH "Subcommands:\n(.*)" listing "${top}")
string(REGEX MATCHALL "\n  [a-z][a-z-]* " names "\n${CMAKE_MATCH_1}")
set(page ".TH MBUS-SIM 1 \"\" \"mbus-sim ${VERSION}\" \"User Commands\"\n")
string(APPEND page ".SH NAME\nmbus-sim \\- M-Bus (EN 13757-2/-3) meter simulator and test harness\n")
string(APPEND page ".SH SYNOPSIS\n.B mbus-sim\n.I COMMAND\n[\\fIOPTIONS\\fR]\n")
string(APPEND page ".SH DESCRIPTION\n.nf\n${top}.fi\n")
foreach(n IN LISTS names)
    string(STRIP "${n}" n)
    help_of("${n}" sub)
    string(TOUPPER "${n}" title)
    string(APPEND page ".SH MBUS-SIM ${title}\n.nf\n${sub}.fi\n")
endforeach()
string(APPEND page ".SH FILES\n.TP\n/usr/share/mbus-sim/scenarios\nthe shipped scenarios and meter models\n")
string(APPEND page ".TP\nlibmbus-pty-shim.so\nthe PTY shim that mbus-sim test preloads into masters; mbus-sim pty-shim prints where it is\n")
string(APPEND page ".SH SEE ALSO\nThe README and docs/ of the source tree; scenarios/README.md for the scenario format.\n")
file(WRITE "${OUT}" "${page}")
