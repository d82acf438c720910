RUN ["echo", "<<EOF"]
