   
	
FROM a
   
RUN b
