META
key;value
description;Ranked ballots without a points column, counted 3-2-1 as in Krakow: by votes b would win
country;Poland
unit;Testville
instance;2026
date_begin;01.06.2026
date_end;15.06.2026
num_projects;3
num_votes;4
budget;100
vote_type;ordinal
max_length;3
rule;greedy
PROJECTS
project_id;cost;votes;score;name;selected
a;60;3;9;First choices;1
b;60;4;8;Many later choices;0
c;40;2;4;A third choice;1
VOTES
voter_id;vote
1;a,b
2;a,b
3;a,b,c
4;c,b
