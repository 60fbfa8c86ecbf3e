/* hud.h — lines of text in the top-left corner of the frame: typeset with cairo (the
 * DejaVu monospace font through fontconfig), uploaded as a texture and blended over the
 * terrain.
 */
#ifndef VW_HUD_H
#define VW_HUD_H

typedef struct vw_hud vw_hud;

/*! vw_hud_create() : @return NULL after printing why. */
vw_hud *vw_hud_create(void);
void vw_hud_destroy(vw_hud *hud);

/*! vw_hud_draw() : draws `line_count` lines over a frame of the given size. */
void vw_hud_draw(vw_hud *hud, const char *const *lines, int line_count, int frame_width,
                 int frame_height);

#endif
