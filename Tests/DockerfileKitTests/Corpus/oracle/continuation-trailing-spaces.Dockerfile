RUN a \   	
  b
