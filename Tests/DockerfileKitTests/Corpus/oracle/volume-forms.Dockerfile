FROM debian:12
VOLUME /data
VOLUME /a /b
VOLUME ["/c", "/d"]
