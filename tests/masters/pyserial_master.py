#!/usr/bin/env python3
"""A pyserial master that opens a serial line N times in a row at 2400 8E1, for the PTY shim's system
test (tests/system/pty_shim_system_test.cpp).

Each round: serial.Serial(DEVICE, 2400, parity even) (pyserial reads the settings, then sets them with
tcsetattr), then the timeout, which makes pyserial read the settings and set them again at once (on a
pty under Debian's glibc either set can raise termios.error 22); read the settings back;
send REQ_UD2 to ADDRESS; read the answer (0.5 s timeout) and check that it is a whole long frame with a
good checksum, sending the request again up to 3 times without one (as libmbus does: a loaded machine may
answer late); close.

usage: pyserial_master.py DEVICE ROUNDS ADDRESS
Prints one line: rounds=N open_failed=N readback_without_parity=N answers=N retries=N (answers: rounds
with a good RSP_UD; retries: requests sent again).
Exit code 0 when every round opened, read 8E1 back and got its answer; 1 otherwise; 2 usage.
"""
import sys
import termios

import serial


def read_answer(port):
    head = port.read(4)
    if len(head) < 4 or head[0] != 0x68 or head[3] != 0x68 or head[1] != head[2]:
        return None
    rest = port.read(head[1] + 2)
    frame = head + rest
    if len(frame) != head[1] + 6 or frame[-1] != 0x16:
        return None
    if sum(frame[4:-2]) & 0xFF != frame[-2] or frame[4] & 0x0F != 0x08:
        return None
    return frame


def main():
    if len(sys.argv) != 4:
        print("usage: pyserial_master.py DEVICE ROUNDS ADDRESS", file=sys.stderr)
        return 2
    device, rounds, address = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    open_failed = without_parity = answers = retries = 0
    for _ in range(rounds):
        try:
            port = serial.Serial(device, 2400, bytesize=8, parity=serial.PARITY_EVEN, stopbits=1)
        except (serial.SerialException, termios.error):
            open_failed += 1
            continue
        try:
            # Set after opening, as many scripts do: pyserial configures the line again at once.
            port.timeout = 0.5
        except (serial.SerialException, termios.error):
            port.close()
            open_failed += 1
            continue
        with port:
            cflag = termios.tcgetattr(port.fd)[2]
            if not cflag & termios.PARENB or cflag & termios.CSIZE != termios.CS8:
                without_parity += 1
            for attempt in range(4):
                retries += attempt > 0
                port.write(bytes([0x10, 0x5B, address, (0x5B + address) & 0xFF, 0x16]))  # REQ_UD2
                if read_answer(port) is not None:
                    answers += 1
                    break
    print(f"rounds={rounds} open_failed={open_failed} readback_without_parity={without_parity} answers={answers} retries={retries}")
    return 0 if open_failed == 0 and without_parity == 0 and answers == rounds else 1


if __name__ == "__main__":
    sys.exit(main())
