RUN a \

   
  b
