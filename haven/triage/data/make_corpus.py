"""Write ``corpus.csv``: Haven's own labelled examples of school tips and student messages.

Run ``python haven/triage/data/make_corpus.py`` after editing the templates below; the output is
deterministic (fixed seeds), and a test checks that the committed file is what this script writes.

Columns: ``text``, ``lang`` (en, es), ``categories`` (``;``-separated, empty for none),
``urgency``, ``split`` (train, test) and ``template`` (the id of the template the row came from).

Each block below holds the templates for one language, label set and urgency; a template is a
hand-written sentence, with ``{slots}`` filled from the lists further down (a slot written with a
capital letter is capitalised). A template without slots gives one row; one with slots gives
``FILLS`` rows. Some rows also get a copy in "student spelling" (leetspeak, ``gonna``, ``tmrw``,
``kms``, dotted letters, no accents) with the same labels.

**The split is by template, never by row**: in every block, every fourth template (the 4th, 8th,
...) and all the rows made from it are ``test``; the classifier is never trained on them, so the
test measures new wordings, not new slot values of a wording it has seen.

Urgency, as the team uses it:

* ``imminent``: serious harm with a plan, a time or a means, or harm happening now;
* ``high``: a serious concern without a time or means (suicidal thoughts, a threat, a weapon seen
  before, abuse disclosed, sextortion);
* ``routine``: a concern for the team to review (bullying, substance use, sadness, a fight);
* ``none``: nothing to act on: questions, complaints, figures of speech ("this test is killing
  me"), games, lyrics and literature, and statements that deny a risk ("I would never ...").
"""

# Templates are one sentence per line, whatever its length; random is seeded to make sample data.
# ruff: noqa: E501, S311

from __future__ import annotations

import csv
import random
import re
import sys
import zlib
from pathlib import Path

FILLS = 3
AUGMENT_RATE = 0.3
HERE = Path(__file__).resolve().parent

SH, VT, WP, BH = "self_harm", "violence_threat", "weapon", "bullying_harassment"
SX, SU, OC = "sexual_abuse_or_exploitation", "substance", "other_concern"

# --- English ----------------------------------------------------------------------------------

EN: list[tuple[str, str, str]] = [
    (
        SH,
        "imminent",
        """
I'm going to kill myself {when}.
{When} I'm going to end it. I'm done.
I have {pills} and I'm taking all of them {when}
{F} texted me that {he} is going to kill {himself} {when}. please help
{F} posted a goodbye message on {app} and said {he} has {pills}
I wrote my note. {When} is the day.
{F} is on the roof of the {building} right now saying {he} wants to jump
I just took a bunch of pills and I feel really weird
{F} just told me {he} swallowed {pills} and now {he} won't answer {his} phone
I'm sitting on the bridge right now. nobody would even notice if I jumped
I have my dad's gun in my room and I'm going to use it on myself {when}
{F} is giving away all {his} stuff and said {he} won't be around after {when}
i cant do this anymore. {when} im going to hang myself
{F} said {he} has a plan to kill {himself} {when} and already wrote a note
{F} is cutting {himself} in the bathroom right now and won't come out
I'm going to overdose {when}, I've been saving up the pills for weeks
{F} sent me a snap of {his} wrists bleeding and said this is the last time {he}'ll talk to me
{F} said {he} is going to jump in front of a train {when} and said goodbye to everyone
I'm in the bathroom with a razor right now and I want it all to stop
{F} has been saying goodbye to people all day and told me {he} took {pills} at lunch
tonight is my last night. I already have the rope
{F} called me crying from the bridge by the river and said {he} can't do it anymore
""",
    ),
    (
        SH,
        "high",
        """
I want to die.
I don't want to be alive anymore
I've been thinking about suicide a lot lately
{F} told me {he} wants to kill {himself}
{F} has been cutting {himself} again, I saw the marks in PE
I keep cutting myself and I can't stop
{F} said {he} doesn't want to live anymore
everyone would be better off without me
I think about ending it every day
{F} keeps posting about wanting to unalive {himself}
i honestly want to kms
{F} says {he} wishes {he} could go to sleep and never wake up
{F} searched how many pills it takes to die on the library computer
I hate myself so much. I just want to disappear forever
{F} told me not to tell anyone but {he} has been hurting {himself}
{F} keeps saying nobody would care if {he} died
{F} said {he}'d kill {himself} if {his} parents find out about {his} grades
I'm so tired of living. what's even the point
{F} wrote a poem about {his} own funeral and said it's how {he} really feels
{F} has burns on {his} arms and says {he} does it to {himself}
i've been thinking about jumping off something tall
{F} asked me what the most painless way to die is
I don't see a reason to keep going. I'm a burden to my family
{F} told me {he} tried to kill {himself} last year and feels that way again
{F}'s {app} is full of posts about wanting to die
I started hurting myself again and I don't know how to stop
""",
    ),
    (
        SH,
        "routine",
        """
{F} makes a lot of dark jokes about dying, I'm not sure if {he}'s serious
{F} used to self harm and I think it might be starting again, {he} wears long sleeves every day now
{F} listens to really sad music and says life is pointless sometimes
{F} said {he} feels empty all the time and nothing matters
{F} posted a sad quote about not wanting to be here, maybe it's just a quote
I had dark thoughts last year and sometimes they come back a little
""",
    ),
    (
        OC,
        "routine",
        """
{F} has been really down lately and doesn't eat lunch anymore
{F} hasn't been eating and has lost a lot of weight, I think {he} has an eating disorder
{F} sleeps in every class and says {his} parents fight all night
{F} said {he} doesn't want to go home because {his} mom yells all the time
I feel really alone at this school and I don't have anyone to sit with at lunch
{F} has been missing school for two weeks and won't answer texts
{F} seems really anxious and has panic attacks before tests
my grandpa died last month and I can't focus in class
I'm stressed about everything and I cry every night
{F} is living in a car with {his} family and doesn't have enough food
I'm not suicidal but I feel numb and I don't know who to talk to
{F} keeps talking about running away from home
{F} throws up after lunch every day in the bathroom
my parents are getting divorced and I can't sleep
{F} stopped talking to everyone and quit the team
{F} seems really stressed and said {he} hasn't slept in days
""",
    ),
    (
        OC,
        "high",
        """
{F} has bruises on {his} arms and said {his} dad hits {him}
{F} said {his} older partner hits {him} when {he} doesn't answer texts
{F} ran away from home last night and nobody knows where {he} is
{F} told me {he} hasn't eaten in three days because there's no food at home
{F} said {his} mom's boyfriend locks {him} out of the house at night
{F} is being forced to work nights and {his} boss takes {his} money
{F} said {his} dad chokes {him} when he's drunk
{F} came to school with a black eye and said not to tell anyone what happened at home
""",
    ),
    (
        OC,
        "imminent",
        """
{F} said {his} dad is going to beat {him} when {he} gets home {when}
{F} is hiding at {place} right now because {he}'s scared to go home, {his} dad hit {him} with a belt
{F} is being kicked out of {his} house {when} and has nowhere to sleep
""",
    ),
    (
        VT,
        "imminent",
        """
{F} said {he}'s going to shoot up the school {when}
{F} posted on {app} that {he}'ll kill everyone at {place} {when}
someone wrote on the bathroom wall that there will be a shooting {when}
{F} says {he} is going to stab {target} {when}
{F} told me not to come to school {when} because something big is going to happen
{F} has a list of people {he} wants to kill and said {when} is the day
{F} said '{when} everyone who laughed at me is going to pay' and {he} has been planning it
{F} said {he}'s going to blow up the school {when}, {he} has been looking up how to make a bomb
There's a post going around saying don't come to school {when}, there's going to be a shooting
{F} told a group of us {he} will hurt {target} {when} and {he} is serious this time
{F} says {he} and {his} cousin are going to jump {target} {when} and put {him} in the hospital
{F} threatened to burn {target}'s house down {when}
""",
    ),
    (
        VT + ";" + WP,
        "imminent",
        """
{F} is bringing {weapon} to school {when}
{F} is bringing {weapon} to school {when} to hurt {target}
there's a guy outside the school right now with {weapon}
{F} threatened to shoot {target} {when} and showed me {his} dad's gun
{F} and some older kids are planning to jump {target} at {place} {when} and one of them has {weapon}
a kid just pulled out {weapon} in {place} and is threatening people
{F} is waiting by {his} car in the parking lot right now with {weapon}, {he} says {he}'s going to hurt {target}
{F} said {he} is going to shoot {target} {when}, {he} keeps {weapon} in {his} backpack
{F} brought {weapon} today and said {he}'ll use it on {target} after school
""",
    ),
    (
        VT,
        "high",
        """
{F} keeps saying {he} wants to shoot up the school
{F} has a list of people {he} wants to hurt
{F} threatened to kill {target} on {app}
{F} drew pictures of shooting teachers in {his} notebook
{F} said the school deserves a shooting and {he} would do it
someone keeps sending me messages on {app} saying they're going to kill me
{F} told me {he} is going to beat me up and break my legs
{F} is obsessed with school shooters and says {he} understands them
{F} said if {he} gets suspended {he}'ll come back and hurt people
{F} threatened {target} and said {he} knows where they live
{F} said {he} wants to burn the school down
I'm so angry I want to hurt {target}. I think about it all the time
{F} keeps threatening {his} ex and said {he}'ll kill them
{F} said {he} would make everyone at this school pay one day
{F} sent a message saying {target} is going to die
{F} wrote 'everyone in this school will die' on {his} desk
""",
    ),
    (
        VT + ";" + WP,
        "high",
        """
{F} said {he} would bring {his} dad's gun to school one day and make everyone pay
{F} posted a video shooting a gun with the caption 'school is next'
{F} said {he} is saving up to buy a gun to get back at the kids who bully {him}
{F} told me {he} wants to stab {target} with the knife {he} carries
""",
    ),
    (
        VT,
        "routine",
        """
there's going to be a fight after school behind the gym
{F} punched a kid in the hallway today
{F} keeps getting into fights at {place}
kids were shoving each other at the bus stop and someone got hurt
{F} said {he} would fight {target} if they talk to {him} again
a group of kids are recording fights and posting them on {app}
{F} slammed a kid into a locker
there was a fight in the cafeteria and people are saying it's going to continue
{F} has been really aggressive lately and throws chairs when {he}'s mad
two groups of kids keep threatening to fight each other, it's mostly talk
""",
    ),
    (
        WP,
        "imminent",
        """
{F} keeps {weapon} in {his} locker
{F} has {weapon} in {his} backpack right now
I saw {F} with {weapon} in the bathroom a few minutes ago
{F} showed me {weapon} at lunch today, it's in {his} locker
there's a kid with a gun at {place}
{F} has a loaded gun in {his} car in the student parking lot
{F} just flashed {weapon} at me in the hallway
{F} snapped a pic of {weapon} in {his} waistband in class right now
I have my dad's gun
{F} said {he} is carrying {weapon} because someone wants to jump {him} after school
{F} has {weapon} on the bus right now
a student is walking around {place} with {weapon}
{F} has {weapon} hidden in {his} hoodie in {cls} class
{F} told me {he} has {his} dad's gun with {him} today
""",
    ),
    (
        WP,
        "high",
        """
{F} showed me a picture of {his} gun on {app} and said it's loaded
{F} has been bragging that {he} can get a gun whenever {he} wants
{F} sells knives to other kids
{F} brought {weapon} to school last week
{F} says {he} carries {weapon} everywhere for protection
{F} stole {his} dad's gun and has been showing it to people
{F} has a 3d printed gun at home and talks about bringing it
{F} posts pictures with guns on {app} all the time
{F} has been buying bullets online
""",
    ),
    (
        WP,
        "routine",
        """
{F} brought a pocket knife to school to show people, {he} wasn't threatening anyone
someone left a small knife in the art room
{F} had a BB gun at the bus stop
{F} has a taser keychain in {his} backpack
{F} has pepper spray in {his} bag
""",
    ),
    (
        BH,
        "routine",
        """
{F} keeps getting called {insult} by kids at {place}
people made a fake account of {F} on {app} to make fun of {him}
some kids push {F} in the hallway every day and call {him} names
they posted an embarrassing video of {F} and everyone is sharing it
kids on the bus keep taking {F}'s lunch money
{F} gets made fun of every day for being gay
they call {F} ugly and fat every day in {cls} class
someone is spreading rumors that {F} is a slut
{F} is being left out of everything and the group chat makes fun of {him}
a group of seniors keeps harassing {F} about {his} accent and {his} religion
{F} keeps getting messages on {app} saying nobody likes {him} and {he} should leave the school
people keep throwing things at {F} in {cls} when the teacher isn't looking
they made a group chat just to roast {F} and it's getting really mean
{F} is being bullied for {his} disability and they imitate the way {he} talks
I'm being bullied every day and the teachers don't do anything
everyone keeps calling me {insult} and I don't want to come to school anymore
{F} keeps getting shoved into lockers and laughed at
some girls keep posting mean comments about {F}'s body on {app}
they keep calling {F} a terrorist because of {his} religion
{F} gets called {insult} every single day and the teacher just laughs
""",
    ),
    (
        BH,
        "high",
        """
a group of kids keep telling {F} to kill {himself}
someone keeps commenting kys on all of {F}'s posts
someone posted {F}'s address and told people to go after {him}
a bunch of kids keep telling {F} the world would be better if {he} was dead
""",
    ),
    (
        BH + ";" + SH,
        "high",
        """
{F} is being bullied so badly {he} said {he} doesn't want to live anymore
they bully me every day and I just want to die
""",
    ),
    (
        BH + ";" + VT,
        "high",
        """
they cornered {F} in the bathroom and beat {him} up and filmed it
{F} gets jumped by the same kids every week after school
""",
    ),
    (
        SX,
        "imminent",
        """
{F} is meeting an adult {he} met on {app} {when} and he told {him} to keep it secret
a man in a car at the bus stop is trying to get kids to get in right now
{F} has to go home {when} and {his} {relative} keeps touching {him}
an older guy is threatening to post {F}'s nudes {when} unless {he} sends more
{F} is skipping school {when} to meet a guy {he} met on {app} who says he's 25
{F} said {he}'s going to a party {when} at an adult's house who gave {him} alcohol and touched {him} last time
""",
    ),
    (
        SX + ";" + SH,
        "imminent",
        """
someone is blackmailing {F} with {his} pictures and {he} says {he} will kill {himself} {when} if they get posted
""",
    ),
    (
        SX,
        "high",
        """
{F} told me {his} {relative} touches {him} when nobody is home
a teacher keeps sending {F} messages at night and told {him} to delete them
an older guy on {app} keeps asking {F} for nudes
someone is threatening to post {F}'s pictures unless {he} sends more
{F}'s nudes are being passed around the school
{F}'s coach makes {him} uncomfortable and touches {him} in the locker room
{F} said {his} {relative} makes {him} watch porn
{F} is dating an adult who is like 24
{F} told me {he} was raped at a party last weekend
a senior keeps grabbing {F} in the hallway even after {he} told him to stop
someone took a picture of {F} in the locker room without {him} knowing and is sharing it
{F} is being pressured by an adult online to send pics and meet up
{F} said a staff member kissed {him} and told {him} not to tell
""",
    ),
    (
        SX + ";" + BH,
        "routine",
        """
kids keep making sexual comments about {F}'s body in {cls}
""",
    ),
    (
        SX,
        "routine",
        """
someone airdropped an inappropriate picture to the whole class
a boy keeps asking girls in {cls} for pics
""",
    ),
    (
        SU,
        "routine",
        """
kids are vaping in the bathroom every period
{F} sells weed behind the gym
{F} came to {cls} class high today
{F} has been drinking before school
{F} sells vapes out of {his} backpack
people are smoking weed in the parking lot at lunch
{F} brings edibles to school and sells them
there's a party {when} with a lot of alcohol and no parents
{F} keeps taking {his} mom's adderall to study
someone is selling nicotine pouches in the locker room
{F} smells like weed every morning
{F} keeps a flask in {his} locker
""",
    ),
    (
        SU,
        "high",
        """
{F} took some pills at a party and passed out
someone is selling pills that might be laced with fentanyl
{F} is addicted to xanax and takes them every day
{F} drinks every day and drove drunk to school
{F} sells percs and says they're pressed
{F} is selling {drug} to middle schoolers
""",
    ),
    (
        SU,
        "imminent",
        """
{F} overdosed in the bathroom and isn't waking up
{F} just took a bunch of percs and is throwing up in the bathroom right now
{F} is passed out after drinking a whole bottle of vodka at lunch and won't wake up
{F} is going to drive drunk {when} after the party
{F} took something at lunch and is having a seizure in the hallway
{F} snorted something in the bathroom and is not breathing right
""",
    ),
    (
        "",
        "none",
        """
this test is killing me
I'm dying to see the game
I'm literally dying, this is so funny
my phone is dying, can someone charge it
I'd rather die than wear that outfit lol
I'm dying my hair purple this weekend
if I have to sit through another assembly I will die of boredom lol
the plants in the science room all died over break
I almost died laughing in Spanish class
I could die of embarrassment, I tripped in front of everyone
that workout killed me
we read Romeo and Juliet and they both kill themselves at the end
we did a project on suicide prevention in health class
can you put the crisis hotline number on the school website?
the song is about wanting to die but it's actually really pretty
my character died in Minecraft again
I'd never hurt myself, I'm just really stressed about finals
I'm not suicidal, I'm just tired of this homework
I would never kill myself, I love my family too much
no way I would ever hurt myself, I was joking about the test
I wasn't saying I want to die, I meant the test was hard
kill me now, it's only Monday lol
I'm dead 💀 that video was so funny
ugh the wifi is killing me
my feet are killing me after band practice
""",
    ),
    (
        "",
        "none",
        """
I'm going to kill it at the talent show tomorrow
we're gonna destroy them at the game friday
shoot, I forgot my homework
she shot her shot with him lol
I killed it on the math test
my mom is going to kill me if I fail chemistry
we were shooting hoops at lunch
we have a photo shoot for yearbook tomorrow
the bomb dot com
this pizza is the bomb
I bombed my quiz
fire drill tomorrow during 2nd period
we're going to murder this song at the choir concert
the movie had a shooting scene that was kind of intense
in Fortnite I shot everyone lol
we killed like 30 people in Call of Duty last night
in history we learned about the civil war battles and how many soldiers were shot
our team is going to crush them tonight
the nerf gun war in the gym was so fun
water gun fight at the end of year party!
I burned my hand on the glue gun in art
the cafeteria knives are too dull to cut the chicken
we're dissecting frogs with scalpels in bio tomorrow
my dad took me hunting this weekend and we saw a deer
shotgun! I call the front seat
she's killing it in volleyball this season
that joke killed me
the band director said we will blow the roof off at the concert
can we have a debate on the second amendment in civics class
my brother plays Call of Duty all night and yells 'I'll kill you' at the screen
the song goes 'I'ma shoot you down' and everyone was singing it on the bus
we're reading Of Mice and Men and George shoots Lennie, it was so sad
a Minecraft creeper blew up my house lol
in GTA we robbed a bank and shot the cops
he said he wasn't going to hurt anybody, he was joking about the video game
he would never bring a gun to school, he's the nicest kid ever
""",
    ),
    (
        "",
        "none",
        """
we were just roasting each other as friends, nobody was upset
we watched an anti-bullying video in homeroom
I'm doing a project on cyberbullying for English
can we have a kindness week?
my little sister keeps bugging me lol
the ref was so unfair to our team
I hate Mondays
I hate this math homework so much
lol you're so stupid for forgetting your lunch again 😂
shut up, that's so funny
sex ed class was so awkward today
we learned about consent in health class
the biology unit on reproduction is kind of gross
my friend has a crush on a senior, is that weird?
can the nurse give out pads in the bathrooms?
I need to refill my inhaler at the nurse
we made slime with borax in science
my cat is so high energy
this song is so dope
the party was lit
I'm addicted to this show
we're reading about prohibition in history
I drink way too much coffee before tests
we had to crack the code in the escape room
we made a pot of soup in culinary class
the chemistry lab uses alcohol burners
""",
    ),
    (
        "",
        "none",
        """
can we get more vegetarian options in the cafeteria?
the bathroom on the second floor has no soap
who do I talk to about changing my schedule
I lost my airpods in the gym
the wifi in the library is down again
thank you to the counselors, you helped me a lot this year
when is picture day?
the bus was late again this morning
can the school add more water fountains
I love this school
the AC in room 204 is broken
the lunch line is way too long
how do I join the robotics club?
someone keeps parking in the teacher spots
our class wants a field trip to the science museum
the lockers on the third floor keep jamming
there is gum under every desk in the library
can we have longer passing periods
the new teacher is really nice
the vending machine ate my money
{F} won the science fair, can we announce it?
{F} forgot {his} jacket in {cls} class
can {F} and I get the same lunch period
""",
    ),
]

# --- Spanish ----------------------------------------------------------------------------------

ES: list[tuple[str, str, str]] = [
    (
        SH,
        "imminent",
        """
Me voy a matar {cuando}.
{Cuando} lo voy a terminar todo, ya no puedo más
Tengo {pastillas} y me las voy a tomar todas {cuando}
{F} me escribió que se va a suicidar {cuando}, ayuda por favor
{F} publicó una despedida en {app} y dice que tiene {pastillas}
Ya escribí mi carta de despedida. {Cuando} es el día
{F} está en la azotea de la escuela ahora mismo y dice que va a saltar
Me acabo de tomar un montón de pastillas
{F} me dijo que se tomó {pastillas} y ahora no contesta
Estoy en el puente ahora mismo, nadie me va a extrañar
Tengo la pistola de mi papá en mi cuarto y la voy a usar {cuando}
{F} está regalando todas sus cosas y dijo que después de {cuando} ya no va a estar
{F} tiene un plan para quitarse la vida {cuando}
{F} se está cortando en el baño ahora mismo y no quiere salir
{F} me mandó una foto de sus muñecas sangrando y dijo que es la última vez que hablamos
esta noche me ahorco, ya tengo la cuerda
""",
    ),
    (
        SH,
        "high",
        """
Me quiero morir
Ya no quiero vivir
He pensado mucho en suicidarme
{F} me dijo que se quiere matar
{F} se sigue cortando, le vi las marcas en educación física
Me corto y no puedo parar
{F} dice que ya no quiere vivir
Todos estarían mejor sin mí
Pienso en quitarme la vida todos los días
{F} dice que quiere dormirse y no despertar nunca
{F} buscó en internet cuántas pastillas se necesitan para morir
Me odio tanto, solo quiero desaparecer
{F} me pidió que no le dijera a nadie pero se está haciendo daño
{F} dice que si sus papás ven sus calificaciones se mata
estoy cansad{yo} de vivir, para qué sigo
{F} tiene quemaduras en los brazos y dice que se las hace {el} mism{o}
{F} me preguntó cuál es la forma menos dolorosa de morir
Siento que soy una carga para mi familia y que sería mejor no estar
""",
    ),
    (
        SH,
        "routine",
        """
{F} hace muchos chistes sobre morirse y no sé si es en serio
{F} antes se cortaba y creo que volvió a hacerlo, siempre usa manga larga
{F} dice que nada tiene sentido y se siente vací{o}
""",
    ),
    (
        OC,
        "routine",
        """
{F} anda muy triste y ya no come en el recreo
{F} casi no come y ha bajado mucho de peso
{F} se duerme en todas las clases y dice que sus papás pelean toda la noche
Me siento muy sol{yo} en esta escuela, no tengo con quién sentarme
{F} lleva dos semanas sin venir a la escuela y no contesta mensajes
{F} tiene ataques de ansiedad antes de los exámenes
Mi abuelo murió el mes pasado y no me puedo concentrar
{F} vive en un carro con su familia y no tiene qué comer
{F} habla de escaparse de su casa
No estoy pensando en matarme pero me siento muy mal y no sé con quién hablar
Mis papás se están divorciando y no puedo dormir
{F} vomita después de comer todos los días
""",
    ),
    (
        OC,
        "high",
        """
{F} tiene moretones y dice que su papá le pega
{F} se escapó de su casa anoche y nadie sabe dónde está
{F} no ha comido en tres días porque no hay comida en su casa
El novio de la mamá de {F} l{o} deja fuera de la casa en la noche
{F} dice que su pareja le pega cuando no le contesta
""",
    ),
    (
        OC,
        "imminent",
        """
{F} dice que su papá l{o} va a golpear cuando llegue a su casa {cuando}
{F} está escondid{o} en {lugar} ahora mismo porque le da miedo ir a su casa
""",
    ),
    (
        VT,
        "imminent",
        """
{F} dijo que va a disparar en la escuela {cuando}
{F} publicó en {app} que va a matar a todos en {lugar} {cuando}
Alguien escribió en el baño que {cuando} va a haber un tiroteo
{F} dice que va a apuñalar a {objetivo} {cuando}
{F} me dijo que no viniera a la escuela {cuando} porque va a pasar algo grande
{F} tiene una lista de gente que quiere matar y dijo que {cuando} es el día
{F} dice que va a poner una bomba en la escuela {cuando}
Están pasando un mensaje que dice que no vengan {cuando} porque va a haber balacera
{F} dice que {cuando} va a golpear a {objetivo} hasta mandarlo al hospital
""",
    ),
    (
        VT + ";" + WP,
        "imminent",
        """
{F} va a traer {arma} a la escuela {cuando}
{F} va a traer {arma} a la escuela {cuando} para lastimar a {objetivo}
Hay un señor afuera de la escuela ahora mismo con {arma}
{F} amenazó con balear a {objetivo} {cuando} y me enseñó la pistola de su papá
Un chavo acaba de sacar {arma} en {lugar} y está amenazando a todos
{F} está esperando en el estacionamiento con {arma} y dice que va a lastimar a {objetivo}
""",
    ),
    (
        VT,
        "high",
        """
{F} siempre dice que quiere hacer un tiroteo en la escuela
{F} tiene una lista de personas a las que quiere hacer daño
{F} amenazó con matar a {objetivo} por {app}
{F} dibuja a maestros muertos y balaceados en su cuaderno
Alguien me sigue mandando mensajes diciendo que me va a matar
{F} está obsesionad{o} con los tiradores escolares
{F} dijo que si l{o} suspenden va a regresar a lastimar a la gente
{F} dice que quiere quemar la escuela
Tengo tanto coraje que quiero lastimar a {objetivo}, lo pienso todo el tiempo
{F} le dijo a {objetivo} que se va a morir
""",
    ),
    (
        VT + ";" + WP,
        "high",
        """
{F} dijo que un día va a traer el arma de su papá y todos van a pagar
{F} subió un video disparando una pistola que dice 'la escuela sigue'
""",
    ),
    (
        VT,
        "routine",
        """
Va a haber una pelea a la salida detrás del gimnasio
{F} le pegó a un chico en el pasillo
{F} siempre se está peleando en {lugar}
Unos chavos graban peleas y las suben a {app}
{F} empujó a un niño contra los casilleros
{F} avienta sillas cuando se enoja
""",
    ),
    (
        WP,
        "imminent",
        """
{F} guarda {arma} en su casillero
{F} tiene {arma} en su mochila ahora mismo
Vi a {F} con {arma} en el baño hace rato
{F} me enseñó {arma} en el recreo hoy, la tiene en su casillero
Hay un chico con una pistola en {lugar}
{F} tiene una pistola cargada en su carro en el estacionamiento
{F} trae {arma} en el camión ahora mismo
Tengo la pistola de mi papá
{F} trae {arma} escondida en la sudadera en la clase de {materia}
""",
    ),
    (
        WP,
        "high",
        """
{F} me mandó una foto de su pistola por {app} y dijo que está cargada
{F} presume que puede conseguir un arma cuando quiera
{F} vende navajas a otros niños
{F} trajo {arma} a la escuela la semana pasada
{F} dice que siempre carga {arma} para defenderse
{F} le robó la pistola a su papá y se la anda enseñando a todos
""",
    ),
    (
        WP,
        "routine",
        """
{F} trajo una navajita para enseñarla, no amenazó a nadie
{F} trajo una pistola de balines a la parada del camión
""",
    ),
    (
        BH,
        "routine",
        """
Unos chicos le dicen {insulto} a {F} todos los días en {lugar}
Hicieron una cuenta falsa de {F} en {app} para burlarse de {el}
Empujan a {F} en el pasillo y l{o} insultan
Subieron un video vergonzoso de {F} y todos lo están compartiendo
En el camión le quitan el dinero del almuerzo a {F}
Se burlan de {F} por ser gay
Le dicen gord{o} y fe{o} a {F} en la clase de {materia}
Andan regando chismes feos de {F} en todo el salón
Hicieron un grupo de WhatsApp solo para burlarse de {F}
Me hacen bullying todos los días y los maestros no hacen nada
Se burlan de {F} por su acento y porque es migrante
A {F} l{o} excluyen de todo y se ríen de {el} en el grupo
Me dicen {insulto} todos los días y ya no quiero venir a la escuela
""",
    ),
    (
        BH,
        "high",
        """
Un grupo le dice a {F} que se mate
Alguien le comenta mátate en todas sus publicaciones a {F}
Publicaron la dirección de {F} y dijeron que vayan por {el}
""",
    ),
    (
        BH + ";" + SH,
        "high",
        """
Le hacen tanto bullying a {F} que dice que ya no quiere vivir
""",
    ),
    (
        BH + ";" + VT,
        "high",
        """
Acorralaron a {F} en el baño, l{o} golpearon y lo grabaron
""",
    ),
    (
        SX,
        "imminent",
        """
{F} va a verse {cuando} con un adulto que conoció en {app} y le dijo que no le contara a nadie
Un señor en un carro está tratando de subir a niños en la parada ahora mismo
Alguien va a publicar las fotos íntimas de {F} {cuando} si no le manda dinero
{F} tiene que regresar a su casa {cuando} y su {pariente} l{o} sigue tocando
""",
    ),
    (
        SX,
        "high",
        """
{F} me contó que su {pariente} l{o} toca cuando no hay nadie en casa
Un maestro le manda mensajes a {F} en la noche y le dice que los borre
Un señor en {app} le pide fotos íntimas a {F}
Alguien amenaza con publicar las fotos de {F} si no manda más
Están pasando fotos íntimas de {F} por toda la escuela
El entrenador toca a {F} y l{o} hace sentir incómod{o}
{F} sale con un adulto de como 25 años
{F} me dijo que l{o} violaron en una fiesta
Un chico de último año le agarra el cuerpo a {F} en el pasillo aunque le dijo que no
""",
    ),
    (
        SX + ";" + BH,
        "routine",
        """
Unos chicos hacen comentarios sexuales sobre el cuerpo de {F} en clase
""",
    ),
    (
        SX,
        "routine",
        """
Alguien mandó una foto inapropiada a todo el grupo
""",
    ),
    (
        SU,
        "routine",
        """
Están vapeando en el baño todo el día
{F} vende mota detrás del gimnasio
{F} llegó drogad{o} a la clase de {materia}
{F} toma alcohol antes de venir a la escuela
{F} vende vapes en su mochila
Hay una fiesta {cuando} con mucho alcohol y sin papás
{F} fuma marihuana en el estacionamiento en el recreo
""",
    ),
    (
        SU,
        "high",
        """
{F} se tomó unas pastillas en una fiesta y se desmayó
Alguien está vendiendo pastillas que pueden tener fentanilo
{F} es adict{o} a las pastillas y se las toma todos los días
{F} le vende {droga} a los de secundaria
""",
    ),
    (
        SU + ";" + SH,
        "imminent",
        """
{F} se acaba de tomar un montón de pastillas y está vomitando en el baño ahora mismo
""",
    ),
    (
        SU,
        "imminent",
        """
{F} tuvo una sobredosis en el baño y no despierta
{F} va a manejar borrach{o} {cuando} después de la fiesta
{F} se desmayó después de tomar en el recreo y no responde
""",
    ),
    (
        "",
        "none",
        """
Me estoy muriendo de la risa
estoy muerto de risa
me muero de ganas de ver el partido
este examen me está matando
la tarea de química me mata
me muero de hambre, ya llegó la pizza?
ese video me mató jaja
en Free Fire maté a todos
la canción dice 'me quiero morir' pero es bien bonita
mi papá me va a matar si repruebo matemáticas
vamos a aplastarlos en el partido del viernes
mi personaje murió en Minecraft otra vez
Nunca me haría daño, solo estoy estresad{yo} por los exámenes
No estoy pensando en suicidarme, solo estoy cansad{yo} de la tarea
Jamás lastimaría a nadie, solo estaba enojad{yo}
la película tenía una escena de balacera bien intensa
mañana hay simulacro de incendio en la segunda hora
en historia vimos la revolución y cuántos soldados murieron
esa pizza está de muerte
me mata de risa mi hermanito
maté la presentación, me fue increíble
el profe dijo que vamos a romperla en el concierto
leímos Romeo y Julieta y los dos se matan al final
hicimos un proyecto sobre prevención del suicidio en salud
ese chiste me mató
""",
    ),
    (
        "",
        "none",
        """
¿Pueden poner más opciones vegetarianas en la cafetería?
El baño del segundo piso no tiene jabón
¿Con quién hablo para cambiar mi horario?
Perdí mis audífonos en el gimnasio
El internet de la biblioteca no funciona
Gracias a la consejera, me ayudó mucho
¿Cuándo es el día de fotos?
El camión llegó tarde otra vez
Me encanta esta escuela
El aire acondicionado del salón 204 no sirve
La fila de la cafetería es muy larga
¿Cómo me uno al club de robótica?
Queremos una excursión al museo de ciencias
Vimos un video contra el bullying en la tutoría
La clase de educación sexual fue muy incómoda
Estoy haciendo un proyecto sobre el ciberacoso
Mi hermanita me molesta todo el día jaja
Odio los lunes
{F} ganó la feria de ciencias, ¿lo pueden anunciar?
{F} dejó su chamarra en la clase de {materia}
""",
    ),
]

# More English wordings (blocks with the same labels continue the same template count).
EN += [
    (
        SH,
        "imminent",
        """
{F} is texting me goodbye messages right now and says {he} took {pills}
i'm done. i have the pills in my hand and i'm taking them {when}
{F} just posted 'goodbye, I'm sorry for everything' on {app} and isn't answering
{F} says {he} is going to slit {his} wrists {when}
{F} told me {he}'s going to shoot {himself} with {his} dad's gun {when}
I'm going to jump off the parking garage {when}. I already decided
{F} is standing on the edge of the overpass right now
{F} said today is {his} last day alive
{F} is in the nurse's bathroom and said {he} drank bleach
there's no point anymore, I'm doing it {when}
""",
    ),
    (
        SH,
        "high",
        """
{F} keeps saying {he} wants to end it all
I can't stop thinking about killing myself
{F} showed me cuts on {his} thighs
{F} texted me 'I don't want to be here anymore' at 2am
sometimes I wish I would just go to sleep forever
{F} said {he} has been having suicidal thoughts again
{F} told the group chat {he} wants to die and then left
honestly I'd rather be dead than go back to that house
{F} talks about dying all the time and gave me {his} hoodie to remember {him} by
{F} relapsed on self harm this week
I keep scratching my arms until they bleed
{F} wants to commit suicide
""",
    ),
    (
        VT,
        "imminent",
        """
{F} is in the parking lot saying {he}'s going to shoot the first person who comes out
{F} said {he}'s going to kill {target} {when} and has been following them around
people are saying there's going to be a shooting at {place} {when}
{F} just threatened to stab me and {he}'s waiting for me outside right now
{F} said don't come to school {when}, {he} has been talking about shooting people
""",
    ),
    (
        VT,
        "high",
        """
{F} said {he}'s going to make the people who bullied {him} regret it, and it sounded serious
{F} watches videos of school shootings and says it would be easy here
{F} told me {he} fantasizes about hurting {target}
{F} posted 'don't come to school' with a skull emoji
{F} said {he} wants to stab someone just to see what it feels like
{F} threatened to shoot me because I told on {him}
someone sent a death threat to {target} on {app}
""",
    ),
    (
        VT,
        "routine",
        """
{F} got into a fight at {place} and gave a kid a bloody nose
{F} kicked a kid in the stomach during PE
some 8th graders beat up a 6th grader at the bus stop
{F} and another kid were fighting in the hallway and a teacher got hit
{F} hits people when {he} gets angry
there was a fight at the game and someone got punched
{F} shoved a teacher
""",
    ),
    (
        WP,
        "imminent",
        """
{F} has {weapon} in {his} locker right now and is acting really weird
there's a gun in the trash can of the boys bathroom
{F} took a knife from the cafeteria and is hiding it in {his} sleeve
{F} brought {his} dad's pistol to school today and showed it to kids at lunch
I just saw a gun fall out of {F}'s backpack
""",
    ),
    (
        WP,
        "high",
        """
{F} says {he} knows where {his} dad keeps the key to the gun safe
{F} tried to buy a gun off someone on {app}
{F} carries brass knuckles
{F} has a collection of knives and brings one to school sometimes
""",
    ),
    (
        BH,
        "routine",
        """
{F} gets tripped in the hallway and everyone laughs
a group keeps sending {F} mean memes about {his} weight
they photoshopped {F}'s face onto gross pictures and posted them
kids keep calling {F} slurs because {he} is Black
{F} gets pushed around in the locker room every day
they keep stealing {F}'s stuff and throwing it in the trash
{F} keeps getting anonymous hate messages on {app}
my classmates keep making fun of my clothes and say I smell
some guys keep mocking {F} for being trans
they pull {F}'s hijab in the hallway and laugh
""",
    ),
    (
        BH,
        "high",
        """
they told {F} to go kill {himself} in the group chat
""",
    ),
    (
        BH + ";" + SH,
        "high",
        """
{F} is being cyberbullied every night and said {he} can't take it anymore and wants to die
""",
    ),
    (
        BH + ";" + VT,
        "routine",
        """
a kid keeps threatening to beat up {F} if {he} doesn't hand over {his} lunch
""",
    ),
    (
        SX,
        "high",
        """
{F} said an older guy {he} met online sent {him} explicit pictures
a substitute teacher keeps touching {F}'s leg
{F} said someone at a party took advantage of {him} when {he} was drunk
{F}'s {relative} sneaks into {his} room at night
an adult on {app} offered {F} money for pictures
{F} is being sextorted by someone on {app}
""",
    ),
    (
        SX,
        "imminent",
        """
{F} is going to meet the guy from {app} at the mall {when}, he's way older
the man who abused {F} is picking {him} up from school {when}
""",
    ),
    (
        SX,
        "routine",
        """
a boy keeps making sexual jokes about {F} and won't stop
someone keeps sending unwanted sexual messages to girls in {cls}
""",
    ),
    (
        SU,
        "routine",
        """
kids are selling THC carts in the bathroom
{F} is always high at lunch
{F} vapes in class when the teacher isn't looking
{F} got drunk at the dance
{F} asked me to hold {his} weed for {him}
""",
    ),
    (
        SU,
        "high",
        """
{F} mixes xanax and alcohol on weekends
{F} is selling pills {he} says are oxy but they look fake
{F} passed out in class after taking something
""",
    ),
    (
        SU,
        "imminent",
        """
{F} is unconscious in the bathroom after taking pills, {his} lips are blue
{F} took fentanyl and isn't breathing
""",
    ),
    (
        OC,
        "routine",
        """
{F} is always hungry and says there's no food at home
{F} says {he} hears voices telling {him} things
{F} hasn't showered in weeks and wears the same clothes every day
I'm failing everything and my parents said they'll kick me out
""",
    ),
    (
        OC,
        "high",
        """
{F} said {his} parents left and {he} has been alone at home for a week
{F} came to school with burns and said {his} mom did it
{F} is kept home to take care of {his} siblings and hasn't been to school in a month
""",
    ),
    (
        "",
        "none",
        """
I'm going to shoot some hoops after school tomorrow
the basketball team is going to kill it tonight
I need a knife for culinary class tomorrow, is that allowed?
can we bring water guns for field day on Friday?
my brother is going hunting this weekend with my dad's rifle
I'm going to die if I don't get tickets to the concert tonight
the chemistry test tomorrow is going to murder me
I could literally kill for some pizza right now
my mom said she'll kill me if I'm late again lol
that final was brutal, I'm dead
we're going to blow everyone away with our science project
the new Spider-Man movie had so many explosions
our robot got destroyed in the competition
I'm so done with this class lol
the shooting guard on our team is amazing
we watched a documentary about gun safety in health
I got a shot at the nurse today and my arm hurts
my friend cut her hair really short and it looks great
I cut my finger in culinary, can I get a bandaid?
the school play has a fake sword fight
we're hanging out at the mall after school tomorrow
it's killing me that I can't go to the game
""",
    ),
    (
        "",
        "none",
        """
the printer in the library is out of paper again
can we get a later start time? everyone is so tired
our club needs a room for meetings on Thursdays
the track has puddles everywhere after it rains
who is in charge of the lost and found?
the hand dryers in the bathroom are broken
I want to thank Ms. {surname} for helping me with my college essay
the cafeteria ran out of pizza again
can we have music in the halls during passing periods?
""",
    ),
]

# More Spanish wordings.
ES += [
    (
        SH,
        "imminent",
        """
{F} está mandando mensajes de despedida ahora mismo y dice que se tomó {pastillas}
Ya no aguanto, {cuando} me aviento del puente
{F} dice que {cuando} se va a colgar
{F} tiene la pistola de su papá y dice que se va a disparar {cuando}
{F} se tomó un montón de pastillas y no despierta
{F} dijo que hoy es su último día
""",
    ),
    (
        SH,
        "high",
        """
{F} dice que se quiere suicidar
Ya no le encuentro sentido a la vida, quiero morirme
{F} se hace cortadas en las piernas
{F} dice que ojalá se durmiera para siempre
Pienso mucho en la muerte y en cómo hacerlo
{F} publicó en {app} que quiere desaparecer para siempre
A veces quiero dejar de existir
{F} recayó en las autolesiones
""",
    ),
    (
        VT,
        "imminent",
        """
Dicen que va a haber un tiroteo en {lugar} {cuando}
{F} me amenazó con apuñalarme a la salida
{F} está afuera de la escuela esperando a {objetivo} para golpearlo ahora mismo
""",
    ),
    (
        VT + ";" + WP,
        "imminent",
        """
{F} dice que {cuando} va a matar a {objetivo} y ya tiene {arma}
""",
    ),
    (
        VT,
        "high",
        """
{F} dijo que va a hacer que todos los que l{o} molestan se arrepientan
{F} ve videos de tiroteos y dice que aquí sería fácil
{F} amenazó con dispararme porque l{o} acusé
Alguien le mandó una amenaza de muerte a {objetivo}
{F} dice que quiere apuñalar a alguien
""",
    ),
    (
        VT,
        "routine",
        """
{F} se agarró a golpes en {lugar} y le rompió la nariz a un chico
Unos de tercero golpearon a uno de primero en la parada
{F} le pega a la gente cuando se enoja
Hubo una pelea en el partido y alguien salió golpeado
{F} pateó a un niño en educación física
""",
    ),
    (
        WP,
        "imminent",
        """
Acabo de ver que a {F} se le cayó una pistola de la mochila
{F} tomó un cuchillo de la cafetería y lo esconde en la manga
Hay una pistola en el bote de basura del baño de hombres
""",
    ),
    (
        WP,
        "high",
        """
{F} sabe dónde guarda su papá la pistola y dice que la puede sacar
{F} trató de comprar un arma por {app}
{F} trae manoplas a la escuela
""",
    ),
    (
        BH,
        "routine",
        """
A {F} le ponen el pie en el pasillo y todos se ríen
Le mandan memes sobre su peso a {F}
Le dicen insultos racistas a {F}
Le roban sus cosas a {F} y las tiran a la basura
Se burlan de {F} por ser trans
Se burlan de mi ropa y dicen que huelo mal
A {F} le llegan mensajes de odio anónimos en {app}
Le jalan el velo a {F} en el pasillo
""",
    ),
    (
        BH,
        "high",
        """
En el grupo le dijeron a {F} que se fuera a matar
""",
    ),
    (
        BH + ";" + SH,
        "high",
        """
A {F} l{o} acosan en línea todas las noches y dice que ya no aguanta y se quiere morir
""",
    ),
    (
        SX,
        "high",
        """
Un señor que {F} conoció en internet le mandó fotos explícitas
Un maestro suplente le toca la pierna a {F}
Alguien se aprovechó de {F} en una fiesta cuando estaba borrach{o}
El {pariente} de {F} entra a su cuarto en la noche
Un adulto en {app} le ofreció dinero a {F} por fotos
Están extorsionando a {F} con fotos íntimas
""",
    ),
    (
        SX,
        "imminent",
        """
{F} va a ver al señor de {app} en el centro comercial {cuando}, es mucho mayor
""",
    ),
    (
        SX,
        "routine",
        """
Un chico hace chistes sexuales de {F} y no para
""",
    ),
    (
        SU,
        "routine",
        """
Venden vapes con THC en el baño
{F} siempre anda drogad{o} en el recreo
{F} vapea en clase cuando el maestro no ve
{F} se emborrachó en el baile
{F} me pidió que le guardara su mota
""",
    ),
    (
        SU,
        "high",
        """
{F} mezcla pastillas con alcohol los fines de semana
{F} se desmayó en clase después de tomarse algo
""",
    ),
    (
        SU,
        "imminent",
        """
{F} está inconsciente en el baño después de tomarse unas pastillas, tiene los labios morados
{F} tomó fentanilo y no respira
""",
    ),
    (
        OC,
        "routine",
        """
{F} siempre tiene hambre y dice que no hay comida en su casa
{F} dice que escucha voces
{F} no se ha bañado en semanas y trae la misma ropa
Voy a reprobar todo y mis papás me van a correr de la casa
""",
    ),
    (
        OC,
        "high",
        """
Los papás de {F} se fueron y lleva una semana sol{o} en su casa
{F} llegó con quemaduras y dice que se las hizo su mamá
A {F} no l{o} dejan venir a la escuela para cuidar a sus hermanos
""",
    ),
    (
        "",
        "none",
        """
mañana vamos a matar en el concurso de baile
me voy a morir si no consigo boletos para el concierto
el examen de mañana me va a matar
me muero de sueño en la clase de historia
mi hermano va a ir de cacería con mi tío este fin de semana
hoy nos pusieron una vacuna y me duele el brazo
me corté el pelo y quedó bien bonito
me corté el dedo en la clase de cocina, ¿me dan una curita?
el delantero disparó al arco y fue gol
qué bomba de noticia jaja
el partido de mañana va a estar a muerte
nos van a matar en el partido, son muy buenos
tengo que llevar un cuchillo para la clase de cocina, ¿se puede?
me estoy muriendo de calor en el salón, no sirve el aire
mi mamá me va a matar si llego tarde otra vez jaja
nunca me cortaría, solo estoy triste por lo de mi novio
""",
    ),
    (
        "",
        "none",
        """
La impresora de la biblioteca no tiene papel
¿Podemos entrar más tarde? Todos estamos muy cansados
Nuestro club necesita un salón para juntarnos los jueves
¿Quién está a cargo de los objetos perdidos?
Los secadores de manos del baño no sirven
Quiero agradecer a la maestra {apellido} por ayudarme con mi ensayo
Se acabó la pizza en la cafetería otra vez
""",
    ),
]

# --- slot values ------------------------------------------------------------------------------

EN_NAMES = {
    "m": "Jake Tyler Marcus Ethan Noah Brandon Omar Dev Luis Kevin DeShawn Caleb".split(),
    "f": "Emily Aisha Sofia Kayla Jasmine Chloe Hannah Destiny Maya Priya Grace Brianna".split(),
}
EN_FRIENDS = {
    "m": ["my friend {name}", "{name}", "a boy in my {cls} class", "{name} from my {cls} class",
          "my best friend", "a guy on my bus", "my lab partner", "this kid {name} in 3rd period",
          "my cousin", "a freshman boy", "my little brother", "my teammate {name}"],
    "f": ["my friend {name}", "{name}", "a girl in my {cls} class", "{name} from my {cls} class",
          "my best friend", "a girl on my bus", "my lab partner", "this girl {name} in 5th period",
          "my cousin", "a freshman girl", "my little sister", "my teammate {name}"],
}  # fmt: skip
EN_PRONOUNS = {
    "m": {"he": "he", "him": "him", "his": "his", "himself": "himself"},
    "f": {"he": "she", "him": "her", "his": "her", "himself": "herself"},
}
EN_SLOTS = {
    "when": ["tomorrow", "tonight", "on Friday", "after school", "at lunch", "tomorrow morning",
             "during 3rd period", "this weekend", "on Monday", "right after the assembly",
             "before school tomorrow", "at the game tonight"],
    "weapon": ["a gun", "{his} dad's gun", "a knife", "a pistol", "a rifle", "a switchblade",
               "a glock", "a loaded gun", "a machete", "a box cutter", "a handgun", "a big knife"],
    "place": ["school", "the cafeteria", "the gym", "the bus stop", "the parking lot",
              "the football game", "the library", "homeroom", "the band room", "the courtyard"],
    "app": ["Snapchat", "Instagram", "TikTok", "Discord", "the group chat", "text", "Roblox",
            "an anonymous account", "iMessage", "WhatsApp"],
    "pills": ["a bottle of pills", "my mom's sleeping pills", "a whole bottle of tylenol",
              "{his} antidepressants", "the pills from the medicine cabinet", "sleeping pills"],
    "drug": ["weed", "vapes", "edibles", "xanax", "percs", "molly", "coke", "THC carts"],
    "target": ["a teacher", "Mr. {surname}", "Ms. {surname}", "some seniors", "{his} ex",
               "everyone in 5th period", "the principal", "the kids who bully {him}",
               "a kid named {name2}", "the football team"],
    "insult": ["loser", "freak", "a fat pig", "ugly", "stupid", "worthless", "trash", "a retard",
               "a weirdo", "gay"],
    "cls": ["math", "English", "science", "history", "Spanish", "art", "PE", "chemistry", "band"],
    "relative": ["stepdad", "uncle", "mom's boyfriend", "cousin", "older brother", "neighbor",
                 "grandpa", "babysitter"],
    "surname": ["Smith", "Johnson", "Garcia", "Lee", "Brown", "Nguyen", "Patel", "Miller",
                "Davis", "Lopez", "Wilson", "Clark"],
    "building": ["school", "gym", "parking garage", "library", "science building"],
}  # fmt: skip

ES_NAMES = {
    "m": "Carlos Diego Mateo Javier Andrés Alejandro Luis Emilio Santiago Kevin".split(),
    "f": "Valentina Camila Lucía Daniela Sofía Ximena Fernanda Mariana Paola Renata".split(),
}
ES_FRIENDS = {
    "m": ["mi amigo {name}", "{name}", "un chico de mi clase de {materia}", "mi mejor amigo",
          "un compañero del camión", "mi primo", "un chavo de tercero", "mi compañero {name}",
          "mi hermanito"],
    "f": ["mi amiga {name}", "{name}", "una chica de mi clase de {materia}", "mi mejor amiga",
          "una compañera del camión", "mi prima", "una chava de tercero", "mi compañera {name}",
          "mi hermanita"],
}  # fmt: skip
ES_PRONOUNS = {"m": {"el": "él", "lo": "lo", "o": "o"}, "f": {"el": "ella", "lo": "la", "o": "a"}}
ES_SLOTS = {
    "cuando": ["mañana", "esta noche", "el viernes", "después de clases", "en el recreo",
               "mañana temprano", "hoy", "el lunes", "este fin de semana", "a la salida",
               "hoy en la noche", "mañana en la mañana"],
    "arma": ["una pistola", "un arma", "un cuchillo", "una navaja", "la pistola de su papá",
             "un rifle", "una escopeta", "un machete", "un arma cargada", "un cuchillo grande"],
    "lugar": ["la escuela", "la cafetería", "el gimnasio", "la parada del camión",
              "el estacionamiento", "la biblioteca", "la cancha", "el salón", "el patio"],
    "app": ["Snapchat", "Instagram", "TikTok", "Discord", "WhatsApp", "el grupo de WhatsApp",
            "Facebook", "mensajes"],
    "pastillas": ["un frasco de pastillas", "las pastillas para dormir de mi mamá",
                  "muchas pastillas", "las pastillas del botiquín", "pastillas para dormir"],
    "droga": ["mota", "vapes", "pastillas", "cocaína", "tachas", "cristal", "alcohol"],
    "objetivo": ["un maestro", "la maestra {apellido}", "el profe {apellido}", "unos de tercero",
                 "todos los de su salón", "su ex", "el director", "los que le hacen bullying",
                 "un chico que se llama {name2}"],
    "insulto": ["gorda", "fea", "perdedor", "puta", "tonto", "rarito", "inútil", "basura",
                "naco", "maricón"],
    "materia": ["matemáticas", "inglés", "ciencias", "historia", "arte", "educación física",
                "química"],
    "pariente": ["padrastro", "tío", "primo", "vecino", "abuelo", "hermano mayor"],
    "apellido": ["García", "Martínez", "López", "Hernández", "González", "Pérez", "Rodríguez",
                 "Sánchez", "Ramírez", "Torres"],
}  # fmt: skip

# --- student spelling -------------------------------------------------------------------------

EN_SPELLING = [
    ("kill myself", ["kms", "k1ll myself", "unalive myself"]),
    ("kill yourself", ["kys"]),
    ("suicide", ["$uicide", "s.u.i.c.i.d.e", "suicde", "sewerslide", "su1cide"]),
    ("kill", ["k1ll", "kil", "k!ll", "killl"]),
    ("die", ["d1e", "dieee"]),
    ("shoot", ["sh00t", "shooot"]),
    ("gun", ["g*n", "gunnn"]),
    ("knife", ["kn1fe", "knif"]),
    ("pills", ["pi11s", "pillz"]),
    ("going to", ["gonna"]),
    ("want to", ["wanna"]),
    ("tomorrow", ["tmrw", "2morrow", "tmr"]),
    ("tonight", ["2nite", "tonite"]),
    ("because", ["bc", "cuz"]),
    ("you", ["u"]),
    ("please", ["pls", "pleaseee"]),
    ("right now", ["rn"]),
]
ES_SPELLING = [
    ("matar", ["m4tar", "matarrr"]),
    ("suicid", ["$uicid", "suisid"]),
    ("morir", ["m0rir", "morirrr"]),
    ("pistola", ["p1stola", "pistol4"]),
    ("porque", ["xq", "pq"]),
    ("que", ["q"]),
    ("quiero", ["kiero"]),
    ("mañana", ["mñn", "manana"]),
    ("ayuda", ["ayudaaa"]),
]
_ACCENTS = str.maketrans("áéíóúñÁÉÍÓÚ¿¡", "aeiounAEIOU  ")


def student_spelling(text: str, lang: str, rng: random.Random) -> str:
    """The same message as a student might type it; the labels do not change."""
    out = text.lower() if rng.random() < 0.7 else text
    if rng.random() < 0.6:
        out = out.replace("'", "")
    for plain, spellings in EN_SPELLING if lang == "en" else ES_SPELLING:
        pattern = re.compile(rf"\b{re.escape(plain)}", re.IGNORECASE)
        if pattern.search(out) and rng.random() < 0.6:
            out = pattern.sub(rng.choice(spellings), out, count=1)
    if lang == "es" and rng.random() < 0.6:
        out = out.translate(_ACCENTS).strip()
    return out


# --- generation -------------------------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}")


def _fill(template: str, values: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        if key in values:
            return values[key]
        if key[:1].isupper() and key.lower() in values:
            # capitalised at the start of a sentence only: "{F} said" but "a video of {F}"
            value = values[key.lower()]
            before = m.string[: m.start()].rstrip(" ")
            return value[:1].upper() + value[1:] if before[-1:] in ("", ".", "?", "!") else value
        raise KeyError(f"unknown slot {key!r} in {template!r}")

    for _ in range(4):  # slot values may hold slots ("{his} dad's gun")
        if "{" not in template:
            break
        template = _SLOT.sub(one, template)
    return template


def _values(lang: str, rng: random.Random) -> dict[str, str]:
    gender = rng.choice("mf")
    if lang == "en":
        names, friends, pronouns, slots = EN_NAMES, EN_FRIENDS, EN_PRONOUNS, EN_SLOTS
    else:
        names, friends, pronouns, slots = ES_NAMES, ES_FRIENDS, ES_PRONOUNS, ES_SLOTS
    values = {key: rng.choice(options) for key, options in slots.items()}
    values.update(pronouns[gender])
    values["name"] = rng.choice(names[gender])
    values["name2"] = rng.choice(names[rng.choice("mf")])
    values["f"] = rng.choice(friends[gender])
    values["yo"] = rng.choice("oa")  # the writer's own grammatical gender (Spanish)
    return values


def rows() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for lang, blocks in (("en", EN), ("es", ES)):
        counters: dict[tuple[str, str], int] = {}
        for categories, urgency, text in blocks:
            templates = [t.strip() for t in text.strip().splitlines() if t.strip()]
            for template in templates:
                key = (categories, urgency)
                index = counters.get(key, 0)
                counters[key] = index + 1
                split = "test" if index % 4 == 3 else "train"
                label = categories.replace(";", "+") or "none"
                template_id = f"{lang}-{label}-{urgency}-{index:02d}"
                rng = random.Random(zlib.crc32(template.encode()))
                fills = FILLS if _SLOT.search(template) else 1
                for _ in range(fills):
                    texts = [_fill(template, _values(lang, rng))]
                    if rng.random() < AUGMENT_RATE:
                        texts.append(student_spelling(texts[0], lang, rng))
                    for item in texts:
                        if item in seen:
                            continue
                        seen.add(item)
                        out.append({
                            "text": item, "lang": lang, "categories": categories,
                            "urgency": urgency, "split": split, "template": template_id,
                        })  # fmt: skip
    return out


FIELDS = ["text", "lang", "categories", "urgency", "split", "template"]


def write(path: Path) -> int:
    data = rows()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    return len(data)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "corpus.csv"
    print(f"{write(target)} rows -> {target}")
